// The cold path, without the wake-up: from the moment a body chunk's read()
// resolves to the moment the listener runs, for sparse events (one every
// 12 ms, so the process idles in between, as in the latency scenario). The
// latency scenario's figures are mostly the kernel and the event loop waking
// an idle process; this isolates the part each client's own code adds.
//
//   node bench/cold-path.mjs [client=eventsource-plus] [events=150]
//   clients: floor, floor+event, floor+for-await, eventsource-plus, eventsource-plus/fetchEvents
//
// `read()` of every default reader is wrapped to take the time when it
// resolves. The wrapper adds one promise reaction to every client alike.
// Prints the quartiles over the events after the first ten.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const [client = 'eventsource-plus', events = '150'] = process.argv.slice(2)
const count = Number(events)
const WARM_UP = 10

const server = fork(here('./server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const port = await new Promise((resolve) => server.once('message', (message) => resolve(message.port)))
const url = `http://127.0.0.1:${port}/sparse?n=${count}&interval=12`

let arrived = 0n
const read = ReadableStreamDefaultReader.prototype.read
ReadableStreamDefaultReader.prototype.read = function () {
  return read.call(this).then((result) => {
    arrived = process.hrtime.bigint()
    return result
  })
}

const samples = []
let finish
const finished = new Promise((resolve) => (finish = resolve))
const onData = () => {
  samples.push(Number(process.hrtime.bigint() - arrived) / 1000)
  if (samples.length === count) finish()
}
const controller = new AbortController()
const stop = () => controller.abort()

/** @type {Record<string, () => Promise<void>>} */
const clients = {
  async floor() {
    const { floor } = await import('./floor.mjs')
    floor(url, onData, controller.signal).catch(stop)
  },
  async 'floor+event'() {
    const { floorEvent } = await import('./reference.mjs')
    floorEvent(url, onData, controller.signal).catch(stop)
  },
  async 'floor+for-await'() {
    const { floorIterator } = await import('./reference.mjs')
    ;(async () => {
      for await (const data of floorIterator(url, controller.signal)) {
        onData(data)
        if (samples.length === count) break
      }
    })().catch(stop)
  },
  async 'eventsource-plus'() {
    const { EventSource } = await import('../dist/index.js')
    const source = new EventSource(url)
    source.onmessage = (event) => onData(event.data)
    controller.signal.addEventListener('abort', () => source.close())
  },
  async 'eventsource-plus/fetchEvents'() {
    const { fetchEvents } = await import('../dist/index.js')
    ;(async () => {
      for await (const event of fetchEvents(url, { signal: controller.signal })) {
        onData(event.data)
        if (samples.length === count) break
      }
    })().catch(stop)
  },
}
const start = clients[client]
if (start === undefined) throw new Error(`unknown client ${client}; one of ${Object.keys(clients).join(', ')}`)
await start()
await Promise.race([finished, new Promise((resolve) => controller.signal.addEventListener('abort', resolve))])
stop()
server.kill()
if (samples.length < count) throw new Error(`got ${samples.length} of ${count} events`)

const sorted = samples.slice(WARM_UP).sort((a, b) => a - b)
const quantile = (p) => sorted[Math.floor((sorted.length - 1) * p)].toFixed(1)
console.log(`${client}: read() → listener p25 ${quantile(0.25)} µs, p50 ${quantile(0.5)} µs, p75 ${quantile(0.75)} µs (${sorted.length} events)`)
process.exit(0)
