// One measurement: one client, one scenario, in a fresh process.
//
//   node --expose-gc bench/worker.mjs '<json>'
//   json = { client, scenario, base, params }
//
// The result goes back to run.mjs over IPC (or to stdout when run by hand).
import net from 'node:net'
import { LARGE, SMALL } from './events.mjs'
import { H2_CLIENTS, load } from './clients.mjs'

const job = JSON.parse(process.argv[2] ?? '{}')
const { client, scenario, params } = job
// The `+h2` clients go to the server's TLS port (HTTP/2 by ALPN).
const base = H2_CLIENTS.includes(client) ? job.h2Base : job.base

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => performance.now()

function dataLength(event) {
  // `data: <data>\n\n`
  return event.length - 8
}

/** Reads `n` events and resolves with how long it took from the request on. */
function readEvents(open, url, n, timeoutMs, onData) {
  return new Promise((resolve, reject) => {
    let count = 0
    let chars = 0
    let close
    const timer = setTimeout(() => {
      close?.()
      reject(new Error(`timed out after ${timeoutMs} ms with ${count}/${n} events`))
    }, timeoutMs)
    const start = now()
    const cpuStart = process.cpuUsage()
    close = open(url, {
      data(text) {
        if (count >= n) return
        if (onData !== undefined) onData(text, count)
        chars += text.length
        if (++count === n) {
          const ms = now() - start
          const cpu = process.cpuUsage(cpuStart)
          clearTimeout(timer)
          close()
          resolve({ count, chars, ms, cpuMs: (cpu.user + cpu.system) / 1000 })
        }
      },
      error(error) {
        if (count >= n) return
        clearTimeout(timer)
        close()
        reject(error)
      },
    })
  })
}

async function throughput(open, kind) {
  const event = kind === 'large' ? LARGE : SMALL
  const n = kind === 'large' ? params.largeEvents : params.smallEvents
  const url = (count) => `${base}/stream?kind=${kind}&n=${count}`
  // Warm up (JIT, lazy module state, the connection pool) in this process,
  // then measure one stream of n events.
  await readEvents(open, url(Math.ceil(n / 4)), Math.ceil(n / 4), 60_000)
  await sleep(20)
  globalThis.gc?.()
  const { count, chars, ms, cpuMs } = await readEvents(open, url(n), n, 120_000)
  if (chars !== count * dataLength(event)) throw new Error(`got ${chars} characters of data, expected ${count * dataLength(event)}`)
  const seconds = ms / 1000
  return {
    eventsPerSec: count / seconds,
    mbPerSec: (count * Buffer.byteLength(event)) / 1e6 / seconds,
    ms,
    // CPU time of this process per event (user + system): what the client
    // costs, much less disturbed by other load on the machine than wall time.
    cpuNsPerEvent: (cpuMs * 1e6) / count,
  }
}

function percentile(sorted, p) {
  const index = (sorted.length - 1) * p
  const low = Math.floor(index)
  const high = Math.ceil(index)
  return sorted[low] + (sorted[high] - sorted[low]) * (index - low)
}

async function latency(open) {
  const { latencyEvents: n, latencyWarmup: warm, latencyInterval: interval } = params
  const samples = []
  // In a group (run.mjs runs every client of a round at once), the server
  // writes to one client every `step` ms, in turn; alone, every `interval` ms.
  const { group } = job
  const url =
    group === undefined
      ? `${base}/sparse?n=${n + warm}&interval=${interval}`
      : `${base}/sparse-group?group=${group.id}&slots=${group.slots}&slot=${group.slot}&n=${n + warm}&step=${group.step}`
  const period = group === undefined ? interval : group.step * group.slots
  await readEvents(open, url, n + warm, 60_000 + (n + warm) * period * 2, (text, index) => {
    const received = process.hrtime.bigint()
    if (index >= warm) samples.push(Number(received - BigInt(text)) / 1000)
  })
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), samples: samples.length }
}

async function settle() {
  for (let i = 0; i < 4; i++) {
    await sleep(50)
    globalThis.gc?.()
  }
}

async function idle(open, n = params.idleConnections) {
  const url = `${base}/idle`
  // One connection first, so lazy state (modules, the dispatcher, an HTTP/2
  // session) is in the baseline: with HTTP/2 the figure is per extra stream.
  await readEvents(open, url, 1, 30_000)
  await settle()
  const before = process.memoryUsage()
  const closers = []
  const openFor = Math.max(60_000, n * 15)
  await new Promise((resolve, reject) => {
    let opened = 0
    const timer = setTimeout(() => reject(new Error(`only ${opened}/${n} connections open after ${openFor / 1000} s`)), openFor)
    for (let i = 0; i < n; i++) {
      let seen = false
      closers.push(
        open(url, {
          data() {
            if (seen) return
            seen = true
            if (++opened === n) {
              clearTimeout(timer)
              resolve()
            }
          },
          error(error) {
            clearTimeout(timer)
            reject(error)
          },
        }),
      )
    }
  })
  await settle()
  const after = process.memoryUsage()
  for (const close of closers) close()
  return {
    heapPerConnection: (after.heapUsed - before.heapUsed) / n,
    rssPerConnection: (after.rss - before.rss) / n,
    externalPerConnection: (after.external - before.external) / n,
    rss: after.rss,
  }
}

/**
 * `tickStreams` streams at once, each getting one event per second
 * (/tick): once all are open, for `tickSeconds`, the CPU this process spends
 * (% of one core), the delay of every event from the server's write to the
 * client's callback (p50, p99), and every event accounted for: each stream's
 * sequence numbers must come without a gap.
 */
async function ticks(open) {
  const n = params.tickStreams
  const url = `${base}/tick?period=1000`
  const last = new Int32Array(n)
  const delays = []
  let measuring = false
  let lost = 0
  let errors = 0
  let opened = 0
  const closers = []
  const allOpen = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${opened}/${n} tick streams open after ${Math.max(60, n * 0.015)} s`)), Math.max(60_000, n * 15))
    for (let i = 0; i < n; i++) {
      closers.push(
        open(url, {
          data(text) {
            if (text === 'open') {
              if (++opened === n) {
                clearTimeout(timer)
                resolve()
              }
              return
            }
            const space = text.indexOf(' ')
            const seq = Number(text.slice(0, space))
            if (last[i] !== 0 && seq !== last[i] + 1) lost += seq - last[i] - 1
            last[i] = seq
            if (measuring) delays.push(Number(process.hrtime.bigint() - BigInt(text.slice(space + 1))) / 1e6)
          },
          error() {
            errors++
          },
        }),
      )
    }
  })
  await allOpen
  // A second for every stream to have had its first event, then the window.
  await sleep(1_100)
  lost = 0
  measuring = true
  const cpuStart = process.cpuUsage()
  const start = now()
  await sleep(params.tickSeconds * 1000)
  const cpu = process.cpuUsage(cpuStart)
  const ms = now() - start
  measuring = false
  const rss = process.memoryUsage().rss
  for (const close of closers) close()
  if (errors > 0) throw new Error(`${errors} error event(s) on ${n} tick streams`)
  delays.sort((a, b) => a - b)
  const expected = n * params.tickSeconds
  return {
    cpuPercent: ((cpu.user + cpu.system) / 1000 / ms) * 100,
    p50: percentile(delays, 0.5),
    p99: percentile(delays, 0.99),
    events: delays.length,
    expected,
    lost,
    rss,
  }
}

/** The server alone: a raw socket that reads the bytes and counts them. */
function rawSocket(kind) {
  const event = kind === 'large' ? LARGE : SMALL
  const n = kind === 'large' ? params.largeEvents : params.smallEvents
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    let bytes = 0
    const start = now()
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(`GET /stream?kind=${kind}&n=${n} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`)
    })
    socket.on('data', (chunk) => {
      bytes += chunk.length
    })
    socket.on('error', reject)
    socket.on('close', () => {
      const seconds = (now() - start) / 1000
      const expected = n * Buffer.byteLength(event)
      if (bytes < expected) return reject(new Error(`raw socket got ${bytes} bytes, expected at least ${expected}`))
      resolve({ eventsPerSec: n / seconds, mbPerSec: expected / 1e6 / seconds })
    })
  })
}

async function main() {
  if (client === 'server') {
    return rawSocket(scenario === 'large' ? 'large' : 'small')
  }
  const open = await load(client)
  switch (scenario) {
    case 'small':
    case 'large':
      return throughput(open, scenario)
    case 'latency':
      return latency(open)
    case 'idle':
      return idle(open)
    case 'streams':
      return idle(open, params.streams)
    case 'tick':
      return ticks(open)
    default:
      throw new Error(`unknown scenario ${scenario}`)
  }
}

main().then(
  (result) => {
    if (process.send !== undefined) process.send({ ok: true, result }, () => process.exit(0))
    else {
      console.log(JSON.stringify(result))
      process.exit(0)
    }
  },
  (error) => {
    const message = error instanceof Error ? `${error.message}${error.cause ? ` (${error.cause.message ?? error.cause})` : ''}` : String(error)
    if (process.send !== undefined) process.send({ ok: false, error: message }, () => process.exit(1))
    else {
      console.error(message)
      process.exit(1)
    }
  },
)
