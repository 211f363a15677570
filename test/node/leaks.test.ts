/**
 * Leaks (issue 6): open/close cycles and reconnects must not grow the heap,
 * and after `close()` no timer or socket of ours may remain. `npm run soak`
 * runs the same cycles by the thousand (soak/leak-cycles.ts); this file runs
 * a few hundred so `npm test` stays fast, plus the exact "nothing left after
 * close()" checks for each state a source can be closed in.
 *
 * Node only: heap after forced GC and `process.getActiveResourcesInfo()`.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventSource, fetchEvents } from '../../src/index.js'
import { clientResources, leftover, runLeakCycles } from '../../soak/leak-cycles.js'
import { waitForEvent } from '../support/script.js'

describe('open/close cycles and reconnects', () => {
  it('300 EventSource and 300 fetchEvents cycles and 500 reconnects: heap growth < 1 MB, no handle left', async () => {
    const report = await runLeakCycles({ openClose: 300, reconnects: 500 })
    expect(report.handlesLeftOver).toEqual({})
    expect(report.heapGrowthBytes, JSON.stringify(report)).toBeLessThan(1024 * 1024)
  }, 30_000)
})

describe('nothing of ours left after close()', () => {
  let server: Server
  let origin = ''
  const sockets = new Set<Socket>()

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      // /end: one event, then the end of the body → the source waits a minute to reconnect.
      if (req.url === '/end') res.end('retry: 60000\ndata: hi\n\n')
      // /open: one event, then the stream stays open.
      else res.write('data: hi\n\n')
    })
    // Idle keep-alive connections close at once, so an idle socket in fetch's
    // pool (not ours) does not linger into the next test's count.
    server.keepAliveTimeout = 1
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  /**
   * The client's handles that exist now and not in `before`, once its socket
   * had the chance to close: that takes a few ticks after `close()`, and Node
   * has no event for it, so this re-reads every 10 ms for at most a second
   * and returns what is still left.
   */
  async function leftAfterClose(before: Record<string, number>): Promise<Record<string, number>> {
    const deadline = performance.now() + 1000
    let left = leftover(before, clientResources(sockets))
    while (Object.keys(left).length > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      left = leftover(before, clientResources(sockets))
    }
    return left
  }

  it('while waiting to reconnect: the reconnect timer is cleared at once', async () => {
    const before = clientResources(sockets)
    const source = new EventSource(`${origin}/end`)
    await waitForEvent(source, 'error')
    expect(source.readyState).toBe(EventSource.CONNECTING)
    // The pending reconnect is a timer (it keeps the process alive, by design).
    expect(leftover(before, clientResources(sockets))).toHaveProperty('Timeout')
    source.close()
    expect(leftover(before, clientResources(sockets))).not.toHaveProperty('Timeout')
    expect(await leftAfterClose(before)).toEqual({})
  })

  it('while open with an inactivity watchdog: the watchdog timer and the socket go', async () => {
    const before = clientResources(sockets)
    const source = new EventSource(`${origin}/open`, { inactivityTimeout: 60_000 })
    await waitForEvent(source, 'message')
    expect(leftover(before, clientResources(sockets))).toHaveProperty('Timeout')
    source.close()
    expect(leftover(before, clientResources(sockets))).not.toHaveProperty('Timeout')
    expect(await leftAfterClose(before)).toEqual({})
  })

  it('fetchEvents left with break: the request is aborted and its socket closed', async () => {
    const before = clientResources(sockets)
    for await (const event of fetchEvents(`${origin}/open`, { inactivityTimeout: 60_000 })) {
      void event
      break
    }
    expect(leftover(before, clientResources(sockets))).not.toHaveProperty('Timeout')
    expect(await leftAfterClose(before)).toEqual({})
  })
})
