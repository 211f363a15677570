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
//
// process.hrtime is CLOCK_MONOTONIC on Linux and macOS: one clock for every
// process on the machine, so a client in another process can subtract the
// server's stamp from its own reading without any offset.
import http from 'node:http'
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

function idle(res) {
  res.writeHead(200, HEADERS)
  res.write('data: open\n\n')
}

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
  const url = new URL(req.url, 'http://x')
  const n = Number(url.searchParams.get('n') ?? 1000)
  req.socket.setNoDelay(true)
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
    default:
      res.writeHead(404).end()
  }
})
server.on('clientError', (_error, socket) => socket.destroy())

server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const { port } = server.address()
  if (process.send !== undefined) process.send({ port })
  else console.log(`http://127.0.0.1:${port}`)
})
process.on('disconnect', () => process.exit(0))
