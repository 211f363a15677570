// The benchmark's SSE server, in its own process so that serving never
// competes with the client under test for a thread (it does compete for a
// core; on a 2-core machine that is one each).
//
// Started by run.mjs with fork(); it reports `{ port }` over IPC once it
// listens on 127.0.0.1. Routes:
//
//   /stream?kind=small|large&n=N  N events as fast as the socket takes them,
//                                 from pre-built buffers, one res.write per
//                                 batch, honouring backpressure; then ends.
//   /sparse?n=N&interval=MS       N events, one every MS ms, each carrying the
//                                 send time (process.hrtime.bigint(), ns) as data.
//   /sparse-group?group=G&slots=K&slot=I&n=N&step=MS
//                                 the latency run: K clients (one per process)
//                                 join group G; once all have, they get their
//                                 N events in turn, one write every MS ms
//                                 (client I at ticks I, I+K, I+2K…), each
//                                 stamped like /sparse. Every client is then
//                                 measured over the same stretch of time and
//                                 never two at once.
//   /idle                         one event at once, then nothing until the
//                                 client goes away.
//   /tick?period=MS               `data: open` at once, then one event every MS
//                                 ms (default 1000) carrying `<seq> <send time>`,
//                                 seq counting from 1, until the client goes
//                                 away. All tick streams share one 10 ms timer:
//                                 stream i is written at the slot i mod (MS/10),
//                                 so 10 000 streams × 1/s is 100 writes per tick,
//                                 spread, not 10 000 at once.
//
// The same routes are served over TLS on a second port (the test fixture's
// self-signed certificate), HTTP/2 by ALPN with HTTP/1.1 allowed: the `+h2`
// clients reach it. The IPC message is `{ port, h2Port }`.
//
// process.hrtime is CLOCK_MONOTONIC on Linux and macOS: one clock for every
// process on the machine, so a client in another process can subtract the
// server's stamp from its own reading without any offset.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import { Buffer } from 'node:buffer'
import { LARGE, SMALL } from './events.mjs'

// Pre-built batches: 512 small events (64 KiB) per write, one large event per write.
const SMALL_PER_BATCH = 512
const smallBatch = Buffer.from(SMALL.repeat(SMALL_PER_BATCH))
const largeBatch = Buffer.from(LARGE)

const HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-store',
}

function write(res, chunk) {
  return res.write(chunk) ? undefined : new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

async function stream(res, kind, n) {
  res.writeHead(200, HEADERS)
  const perBatch = kind === 'large' ? 1 : SMALL_PER_BATCH
  const batch = kind === 'large' ? largeBatch : smallBatch
  const single = kind === 'large' ? LARGE : SMALL
  let left = n
  while (left > 0 && !res.destroyed) {
    if (left >= perBatch) {
      const waiting = write(res, batch)
      left -= perBatch
      if (waiting !== undefined) await waiting
    } else {
      await write(res, single.repeat(left))
      left = 0
    }
  }
  res.end()
}

function sparse(res, n, interval) {
  res.writeHead(200, HEADERS)
  let sent = 0
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer)
    res.write(`data: ${process.hrtime.bigint()}\n\n`)
    if (++sent >= n) {
      clearInterval(timer)
      res.end()
    }
  }, interval)
  res.on('close', () => clearInterval(timer))
}

/** Latency groups being formed: id → { members, joined, start }. */
const groups = new Map()
// A group whose members did not all come (a client that failed to load) starts with those that did.
const GROUP_WAIT_MS = 20_000

function sparseGroup(res, id, slots, slot, n, step) {
  res.writeHead(200, HEADERS)
  res.flushHeaders()
  let group = groups.get(id)
  if (group === undefined) {
    group = { members: new Array(slots).fill(null), joined: 0, started: false }
    group.wait = setTimeout(() => startGroup(id, group, n, step), GROUP_WAIT_MS)
    groups.set(id, group)
  }
  group.members[slot] = res
  if (++group.joined === slots) startGroup(id, group, n, step)
}

function startGroup(id, group, n, step) {
  if (group.started) return
  group.started = true
  clearTimeout(group.wait)
  groups.delete(id)
  const { members } = group
  let tick = 0
  const timer = setInterval(() => {
    const member = members[tick % members.length]
    if (member !== null && !member.destroyed) member.write(`data: ${process.hrtime.bigint()}\n\n`)
    tick++
    if (tick === n * members.length) {
      clearInterval(timer)
      for (const m of members) m?.end()
    }
  }, step)
}

/** Tick streams by slot: slot → Set of { res, seq }. */
const TICK_MS = 10
const tickSlots = new Map()
let tickCount = 0
let tickTimer

function tick(res, period) {
  res.writeHead(200, HEADERS)
  res.write('data: open\n\n')
  const slots = Math.max(1, Math.round(period / TICK_MS))
  const slot = `${slots}:${tickCount++ % slots}`
  const member = { res, seq: 0 }
  let set = tickSlots.get(slot)
  if (set === undefined) tickSlots.set(slot, (set = new Set()))
  set.add(member)
  res.on('close', () => set.delete(member))
  tickTimer ??= setInterval(() => {
    const now = Math.round(performance.now() / TICK_MS)
    for (const [key, members] of tickSlots) {
      const [count, index] = key.split(':').map(Number)
      if (now % count !== index) continue
      const stamp = process.hrtime.bigint()
      for (const m of members) m.res.write(`data: ${++m.seq} ${stamp}\n\n`)
    }
  }, TICK_MS)
}

function idle(res) {
  res.writeHead(200, HEADERS)
  res.write('data: open\n\n')
}

function handle(req, res) {
  const url = new URL(req.url, 'http://x')
  const n = Number(url.searchParams.get('n') ?? 1000)
  // HTTP/2 streams share their session's socket; it is set up once below.
  if (req.httpVersionMajor === 1) req.socket.setNoDelay(true)
  res.on('error', () => {})
  switch (url.pathname) {
    case '/stream':
      void stream(res, url.searchParams.get('kind') ?? 'small', n)
      break
    case '/sparse':
      sparse(res, n, Number(url.searchParams.get('interval') ?? 20))
      break
    case '/sparse-group': {
      const param = (name) => Number(url.searchParams.get(name))
      sparseGroup(res, url.searchParams.get('group'), param('slots'), param('slot'), n, param('step'))
      break
    }
    case '/idle':
      idle(res)
      break
    case '/tick':
      tick(res, Number(url.searchParams.get('period') ?? 1000))
      break
    default:
      res.writeHead(404).end()
  }
}

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000, requestTimeout: 0 }, handle)
server.on('clientError', (_error, socket) => socket.destroy())

const fixtures = new URL('../test/node/fixtures/', import.meta.url)
const h2Server = http2.createSecureServer(
  {
    cert: readFileSync(new URL('tls-cert.pem', fixtures)),
    key: readFileSync(new URL('tls-key.pem', fixtures)),
    allowHTTP1: true,
    // Node's default (10 MB of nghttp2 bookkeeping per session) refuses streams long before 10 000.
    maxSessionMemory: 1024,
    // 10 000 streams on one session; the large-events windows of the table.
    settings: { maxConcurrentStreams: 100_000, initialWindowSize: 1 << 20 },
  },
  handle,
)
// The TLS socket itself (a session's `socket` is a proxy that refuses this).
h2Server.on('secureConnection', (socket) => socket.setNoDelay(true))
h2Server.on('session', (session) => session.setLocalWindowSize(16 << 20))

const listening = (target) => new Promise((resolve) => target.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve(target.address().port)))
const [port, h2Port] = await Promise.all([listening(server), listening(h2Server)])
if (process.send !== undefined) process.send({ port, h2Port })
else console.log(`http://127.0.0.1:${port} https://127.0.0.1:${h2Port}`)
process.on('disconnect', () => process.exit(0))
