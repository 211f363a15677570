/**
 * Leak cycles: thousands of open/close cycles of `EventSource` and
 * `fetchEvents()` and thousands of reconnects, with the heap (after full
 * garbage collections) and the process's active handles measured before and
 * after. Shared by `npm run soak` and test/node/leaks.test.ts.
 *
 * Node only: it needs `node:http`, `process.getActiveResourcesInfo()` and a
 * way to force garbage collection.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { EventSource, fetchEvents } from '../src/index.js'

/** A full, synchronous garbage collection: `--expose-gc`'s, or one unlocked at run time. */
export function getGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed !== undefined) return exposed
  // A vitest worker is not started with --expose-gc; the flag can still be
  // turned on, and a fresh context then sees the `gc` global.
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/** Heap in use after garbage collection has settled (finalizers and weak callbacks run between rounds). */
export async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/** Active handles and requests by kind (`Timeout`, `TCPSocketWrap`, …). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

/**
 * The client's handles: {@link activeResources} minus the server's own
 * sockets, which live in the same process. After an aborted fetch, undici
 * opens a spare connection that carries no request; Node 22's server side of
 * it lingers for seconds after the client let go, and is not the client's.
 */
export function clientResources(serverSockets: ReadonlySet<Socket>): Record<string, number> {
  const counts = activeResources()
  const sockets = (counts.TCPSocketWrap ?? 0) - serverSockets.size
  if (sockets > 0) counts.TCPSocketWrap = sockets
  else delete counts.TCPSocketWrap
  return counts
}

/** Kinds with more handles in `after` than in `before`: what was left behind. */
export function leftover(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {}
  for (const [kind, count] of Object.entries(after)) {
    const delta = count - (before[kind] ?? 0)
    if (delta > 0) extra[kind] = delta
  }
  return extra
}

export interface LeakOptions {
  /** Open → first message → close() cycles of EventSource, and as many of fetchEvents (first event → break). */
  openClose: number
  /** Reconnects of one EventSource whose server ends every response after one event. */
  reconnects: number
}

export interface LeakReport {
  openCloseCycles: number
  fetchEventsCycles: number
  reconnects: number
  heapBeforeBytes: number
  heapAfterBytes: number
  heapGrowthBytes: number
  /** Handles by kind that exist after the cycles and did not before (should be `{}`). */
  handlesLeftOver: Record<string, number>
  durationMs: number
}

/** A server with `/hang` (one event, then open forever) and `/end` (one event, then the end). */
async function startLeakServer(): Promise<{ origin: string; sockets: Set<Socket>; server: Server }> {
  const sockets = new Set<Socket>()
  let id = 0
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    id++
    if (req.url === '/end') res.end(`retry: 0\nid: ${id}\ndata: hi\n\n`)
    else res.write(`retry: 1\nid: ${id}\ndata: hi\n\n`)
  })
  // Idle keep-alive connections are closed at once, so "no socket left" is
  // about ours and not about a pool waiting for its next request.
  server.keepAliveTimeout = 1
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets, server }
}

function firstMessage(source: EventSource): Promise<void> {
  return new Promise((resolve, reject) => {
    source.addEventListener('message', () => resolve(), { once: true })
    source.addEventListener('error', (event) => {
      if (!event.willReconnect) reject(new Error(event.message))
    })
  })
}

async function openCloseCycles(origin: string, cycles: number): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    const source = new EventSource(`${origin}/hang`)
    await firstMessage(source)
    source.close()
    for await (const event of fetchEvents(`${origin}/hang`)) {
      void event
      break
    }
  }
}

async function reconnectCycles(origin: string, reconnects: number): Promise<void> {
  const source = new EventSource(`${origin}/end`)
  await new Promise<void>((resolve, reject) => {
    let messages = 0
    source.addEventListener('message', () => {
      // One message per connection: the (reconnects + 1)th means `reconnects` reconnects happened.
      if (++messages > reconnects) resolve()
    })
    source.addEventListener('error', (event) => {
      if (!event.willReconnect) reject(new Error(event.message))
    })
  })
  source.close()
}

/**
 * Waits until the client's handles are back to `baseline` (sockets close a
 * few ticks after `close()`, and Node has no event for it), or until the
 * server has no connection left when there is no baseline yet; gives up after
 * `timeoutMs` and lets the caller report what is left.
 */
async function settle(sockets: Set<Socket>, baseline: Record<string, number> | undefined, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    const clean =
      baseline === undefined ? sockets.size === 0 : Object.keys(leftover(baseline, clientResources(sockets))).length === 0
    if (clean) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export async function runLeakCycles(options: LeakOptions): Promise<LeakReport> {
  const gc = getGc()
  const { origin, sockets, server } = await startLeakServer()
  try {
    const started = performance.now()
    // Warm-up: JIT, undici's lazily created pool and caches, the server's own
    // first-request allocations — none of which is growth per cycle.
    await openCloseCycles(origin, 100)
    await reconnectCycles(origin, 100)
    await settle(sockets, undefined)
    const handlesBefore = clientResources(sockets)
    const heapBefore = await settledHeap(gc)

    await openCloseCycles(origin, options.openClose)
    await reconnectCycles(origin, options.reconnects)

    await settle(sockets, handlesBefore)
    const handlesAfter = clientResources(sockets)
    const heapAfter = await settledHeap(gc)
    return {
      openCloseCycles: options.openClose,
      fetchEventsCycles: options.openClose,
      reconnects: options.reconnects,
      heapBeforeBytes: heapBefore,
      heapAfterBytes: heapAfter,
      heapGrowthBytes: heapAfter - heapBefore,
      handlesLeftOver: leftover(handlesBefore, handlesAfter),
      durationMs: Math.round(performance.now() - started),
    }
  } finally {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
