// The cold path, without the wake-up: from the moment a body chunk's read()
// resolves to the moment the listener runs, for sparse events (one every
// 12 ms, so the process idles in between, as in the latency scenario). The
// latency scenario's figures are mostly the kernel and the event loop waking
// an idle process; this isolates the part each client's own code adds.
//
//   node bench/cold-path.mjs [client=eventsource-kit] [events=150]
//
// Any client of bench/clients.mjs, run through the same adapter as in the
// benchmark (so `eventsource-kit` is dist/: build first).
//
// `read()` of every default reader is wrapped to take the time when it
// resolves. The wrapper adds one promise reaction to every client alike.
// Prints the quartiles over the events after the first ten.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { load } from './clients.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const [client = 'eventsource-kit', events = '150'] = process.argv.slice(2)
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
try {
  const open = await load(client)
  await new Promise((resolve, reject) => {
    const close = open(url, {
      data() {
        // A client that reads its body some other way never sets `arrived`.
        if (arrived === 0n) {
          close()
          reject(new Error(`${client} does not read its body with a ReadableStreamDefaultReader`))
          return
        }
        samples.push(Number(process.hrtime.bigint() - arrived) / 1000)
        if (samples.length < count) return
        close()
        resolve()
      },
      error: reject,
    })
  })
} finally {
  server.kill()
}

const sorted = samples.slice(WARM_UP).sort((a, b) => a - b)
const quantile = (p) => sorted[Math.floor((sorted.length - 1) * p)].toFixed(1)
console.log(`${client}: read() → listener p25 ${quantile(0.25)} µs, p50 ${quantile(0.5)} µs, p75 ${quantile(0.75)} µs (${sorted.length} events)`)
process.exit(0)
