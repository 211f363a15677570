// The cost per small event with the network out of the picture: each client
// reads the same body of 128-byte events, 512 to a 64 KiB chunk (the server's
// batch), from an in-memory `Response`, in a process of its own.
//
//   node bench/in-memory.mjs [events=500000] [rounds=7] [DIR ...]
//
// Clients: `floor` (bench/floor.mjs), `floor+event` (floorEvent of
// bench/reference.mjs: the floor plus an `Event` dispatched per message),
// and the `EventSource` of dist/ (npm run build) with `onmessage`, through its
// `fetch` option. Each DIR adds the `EventSource` of DIR/index.js: a copy of
// dist/ with one change, to see what that change costs. Prints wall-clock ns
// per event, the least and the median of the rounds: on a shared machine the
// least is what the code costs, the median what the machine let it have.
import { fork } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { SMALL } from './events.mjs'
import { floor } from './floor.mjs'
import { floorEvent } from './reference.mjs'

const PER_CHUNK = 512
// Never fetched: every client gets its body from the function it is given.
const SOURCE_URL = 'http://127.0.0.1:9/in-memory'

/** One client, one round: resolves with ns per event. */
async function round(client, events) {
  const chunk = new TextEncoder().encode(SMALL.repeat(PER_CHUNK))
  const chunks = Math.ceil(events / PER_CHUNK)
  const total = chunks * PER_CHUNK
  let pulled = 0
  const body = new ReadableStream(
    {
      pull(controller) {
        if (pulled++ < chunks) controller.enqueue(chunk)
        else controller.close()
      },
    },
    { highWaterMark: 0 },
  )
  const fetchBody = async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } })
  const start = process.hrtime.bigint()
  let count = 0
  if (client === 'floor' || client === 'floor+event') {
    // The bench's own floor and reference, on this body instead of a socket.
    const onData = (data) => {
      if (data.length > 0) count++
    }
    if (client === 'floor') await floor(SOURCE_URL, onData, undefined, fetchBody)
    else await floorEvent(SOURCE_URL, onData, undefined, fetchBody)
    if (count !== total) throw new Error(`${client}: ${count} of ${total} events`)
  } else {
    const { EventSource } = await import(client)
    await new Promise((resolve, reject) => {
      const source = new EventSource(SOURCE_URL, { fetch: fetchBody })
      source.onmessage = (event) => {
        if (event.data.length > 0 && ++count === total) {
          source.close()
          resolve()
        }
      }
      source.onerror = () => {
        source.close()
        reject(new Error(`${client}: error after ${count} of ${total} events`))
      }
    })
  }
  return Number(process.hrtime.bigint() - start) / total
}

if (process.argv[2] === '--child') {
  const [, , , client, events, rounds] = process.argv
  const results = []
  for (let i = 0; i < Number(rounds); i++) results.push(await round(client, Number(events)))
  process.send(results)
} else {
  const [events = '500000', rounds = '7', ...dirs] = process.argv.slice(2)
  const dist = fileURLToPath(new URL('../dist/', import.meta.url))
  const clients = [
    ['floor', 'floor'],
    ['floor+event', 'floor+event'],
    ['eventsource-kit (dist/)', pathToFileURL(`${dist}index.js`).href],
    ...dirs.map((dir) => [dir, pathToFileURL(`${dir.replace(/\/$/, '')}/index.js`).href]),
  ]
  console.log(`${events} small events in ${PER_CHUNK}-event chunks from an in-memory Response, ${rounds} rounds per client, ${process.version}`)
  for (const [name, client] of clients) {
    const results = await new Promise((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), ['--child', client, events, rounds], { execArgv: [] })
      child.once('message', resolve)
      child.once('exit', (code) => code !== 0 && reject(new Error(`${name} exited with ${code}`)))
    })
    const sorted = [...results].sort((a, b) => a - b)
    const median = sorted[sorted.length >> 1]
    console.log(`${name}: least ${sorted[0].toFixed(0)} ns/event, median ${median.toFixed(0)} (rounds: ${results.map((r) => r.toFixed(0)).join(' ')})`)
  }
}
