// fetchEvents() per-event cost with no network in the way (issue 21): 20 000
// small events arriving in ONE chunk, read by `for await (… of fetchEvents())`
// and by the floor (reader + TextDecoder + eventsource-parser) from the same
// in-memory Response. Alternating runs in one process, after a warm-up;
// prints the medians and the ratio (floor time / fetchEvents time, so ≥ 0.8
// is the goal). Also the bound of any async-iterable client: the
// floor whose events are then taken by `for await` from the least async
// iterator there is (each next() an already-resolved promise), which is the
// one promise tick per event the iteration protocol itself costs.
//
//   npm run build && node bench/one-chunk.mjs [runs=31] [events=20000]
import { createParser } from 'eventsource-parser'
import { fetchEvents } from '../dist/index.js'
import { SMALL } from './events.mjs'

const runs = Number(process.argv[2] ?? 31)
const n = Number(process.argv[3] ?? 20_000)
const chunk = new TextEncoder().encode(SMALL.repeat(n))
const respond = () => Promise.resolve(new Response(chunk, { headers: { 'content-type': 'text/event-stream' } }))

async function viaFetchEvents() {
  let count = 0
  let chars = 0
  for await (const event of fetchEvents('http://127.0.0.1/one-chunk', { fetch: respond })) {
    count++
    chars += event.data.length
  }
  return [count, chars]
}

async function viaFloor() {
  let count = 0
  let chars = 0
  const parser = createParser({
    onEvent(message) {
      count++
      chars += message.data.length
    },
  })
  const response = await respond()
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    parser.feed(decoder.decode(value, { stream: true }))
  }
  return [count, chars]
}

async function viaFloorForAwait() {
  const events = []
  const parser = createParser({ onEvent: (message) => events.push(message) })
  const response = await respond()
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let index = 0
  let ended = false
  const iterator = {
    [Symbol.asyncIterator]() {
      return this
    },
    async next() {
      while (index === events.length && !ended) {
        events.length = index = 0
        const { done, value } = await reader.read()
        if (done) ended = true
        else parser.feed(decoder.decode(value, { stream: true }))
      }
      return index < events.length ? { value: events[index++], done: false } : { value: undefined, done: true }
    },
  }
  let count = 0
  let chars = 0
  for await (const message of iterator) {
    count++
    chars += message.data.length
  }
  return [count, chars]
}

async function time(run) {
  const start = performance.now()
  const [count] = await run()
  const ms = performance.now() - start
  if (count !== n) throw new Error(`${run.name}: ${count} events, expected ${n}`)
  return ms
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
for (let i = 0; i < 5; i++) {
  await time(viaFetchEvents)
  await time(viaFloor)
  await time(viaFloorForAwait)
}
const samples = { fetchEvents: [], floor: [], forAwait: [] }
for (let i = 0; i < runs; i++) {
  // Alternate which goes first, so neither always runs on a warmer heap.
  if (i % 2 === 0) {
    samples.fetchEvents.push(await time(viaFetchEvents))
    samples.floor.push(await time(viaFloor))
    samples.forAwait.push(await time(viaFloorForAwait))
  } else {
    samples.forAwait.push(await time(viaFloorForAwait))
    samples.floor.push(await time(viaFloor))
    samples.fetchEvents.push(await time(viaFetchEvents))
  }
}
const fe = median(samples.fetchEvents)
const floor = median(samples.floor)
console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${n.toLocaleString('en')} events of ${SMALL.length} B in one chunk, ${runs} alternating runs, medians:`)
const bound = median(samples.forAwait)
console.log(`  fetchEvents ${fe.toFixed(2)} ms, floor ${floor.toFixed(2)} ms: fetchEvents at ${(floor / fe).toFixed(2)}× the floor (goal ≥ 0.80×)`)
console.log(`  floor + for await ${bound.toFixed(2)} ms: ${(floor / bound).toFixed(2)}× the floor, the most an async-iterable client can reach; fetchEvents at ${(bound / fe).toFixed(2)}× of that`)
