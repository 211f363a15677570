// fetchEvents() per-event cost with no network in the way (issue 21): 20 000
// small events arriving in ONE chunk, read by `for await (… of fetchEvents())`
// and by the floor (reader + TextDecoder + eventsource-parser) from the same
// in-memory Response. Alternating runs in one process, after a warm-up;
// prints the medians and the ratio (floor time / fetchEvents time, so ≥ 0.8
// is the goal).
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
}
const samples = { fetchEvents: [], floor: [] }
for (let i = 0; i < runs; i++) {
  // Alternate which goes first, so neither always runs on a warmer heap.
  if (i % 2 === 0) {
    samples.fetchEvents.push(await time(viaFetchEvents))
    samples.floor.push(await time(viaFloor))
  } else {
    samples.floor.push(await time(viaFloor))
    samples.fetchEvents.push(await time(viaFetchEvents))
  }
}
const fe = median(samples.fetchEvents)
const floor = median(samples.floor)
console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${n.toLocaleString('en')} events of ${SMALL.length} B in one chunk, ${runs} alternating runs, medians:`)
console.log(`  fetchEvents ${fe.toFixed(2)} ms, floor ${floor.toFixed(2)} ms: fetchEvents at ${(floor / fe).toFixed(2)}× the floor (goal ≥ 0.80×)`)
