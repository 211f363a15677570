/**
 * Hostile and broken servers (issue 6): each case has one defined outcome,
 * asserted here and written down in soak/WHAT-HAPPENS.md, and none may cost
 * unbounded memory or hammer the server.
 *
 * Node only: the servers here misbehave below what the portable scriptable
 * server can express (raw TCP, RST mid-chunk, backpressure-paced floods, a
 * redirect loop), and memory is read with `process.memoryUsage()`.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { EventSource, EventStreamError, fetchEvents } from '../../src/index.js'
import { EventSource as LiteEventSource } from '../../src/lite.js'
import type { EventSourceErrorEvent } from '../../src/index.js'
import { closeAll, collect, delay, track, waitForEvent } from '../support/script.js'

/** What the server saw of one request. */
interface Seen {
  path: string
  /** performance.now() when the request (or TCP connection) arrived. */
  at: number
  /** When the server finished its response, or the connection closed. */
  doneAt: number | undefined
  lastEventId: string | undefined
  /** Body bytes handed to the socket. */
  bytesWritten: number
}

type Route = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void | Promise<void>

const routes = new Map<string, Route>()
const seenByPath = new Map<string, Seen[]>()
const waiters = new Set<() => void>()
const sockets = new Set<Socket>()
let origin = ''
let tcpOrigin = ''
const tcpRoutes = new Map<string, (socket: Socket, seen: Seen) => void>()

function record(path: string, lastEventId: string | undefined): Seen {
  const seen: Seen = { path, at: performance.now(), doneAt: undefined, lastEventId, bytesWritten: 0 }
  const list = seenByPath.get(path) ?? []
  list.push(seen)
  seenByPath.set(path, list)
  changed()
  return seen
}

function changed(): void {
  for (const wake of [...waiters]) wake()
}

/** Resolves once `test` holds for the requests of `path` (re-checked on every request and close). */
function until<T>(test: (seen: Seen[]) => T | undefined, path: string, timeout = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const result = test(seenByPath.get(path) ?? [])
      if (result === undefined) return
      waiters.delete(check)
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => {
      waiters.delete(check)
      reject(new Error(`timed out waiting on ${path}: ${JSON.stringify(seenByPath.get(path) ?? [])}`))
    }, timeout)
    waiters.add(check)
    check()
  })
}

/** The first `n` requests of `path`, once they have arrived. */
function requests(path: string, n: number, timeout?: number): Promise<Seen[]> {
  return until((seen) => (seen.length >= n ? seen.slice(0, n) : undefined), path, timeout)
}

let pathCounter = 0
/** Registers `route` under a fresh path and returns that path's URL. */
function serve(label: string, route: Route): { url: string; path: string } {
  const path = `/${label}-${++pathCounter}`
  routes.set(path, route)
  return { url: `${origin}${path}`, path }
}

/** Writes with backpressure: resolves when the socket can take more, or false once the client is gone. */
function write(res: ServerResponse, seen: Seen, bytes: Buffer | string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false)
  seen.bytesWritten += typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length
  if (res.write(bytes)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve(!res.destroyed)
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** Samples heapUsed every 5 ms; `stop()` gives the peak above the starting point. */
function heapPeak(): { stop(): number } {
  const start = process.memoryUsage().heapUsed
  let peak = start
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 5)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage().heapUsed) - start
    },
  }
}

const MiB = 1024 * 1024

beforeAll(async () => {
  const http = createHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const header = req.headers['last-event-id']
    const seen = record(path, typeof header === 'string' ? header : undefined)
    res.on('close', () => {
      seen.doneAt ??= performance.now()
      changed()
    })
    res.on('finish', () => {
      seen.doneAt ??= performance.now()
    })
    const route = routes.get(path)
    if (route === undefined) {
      res.writeHead(404).end()
      return
    }
    void Promise.resolve(route(req, res, seen)).catch(() => res.destroy())
  })
  // A raw TCP server for what HTTP servers refuse to do: never answer, or
  // break a chunked body in the middle of a chunk.
  const tcp = createTcpServer((socket) => {
    let head = ''
    const onData = (data: Buffer): void => {
      head += data.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '/'
      const lastEventId = /^last-event-id: *(.*)$/im.exec(head)?.[1]?.trim()
      const seen = record(path, lastEventId)
      socket.on('close', () => {
        seen.doneAt = performance.now()
        changed()
      })
      tcpRoutes.get(path)?.(socket, seen)
    }
    socket.on('data', onData)
    socket.on('error', () => {})
  })
  for (const server of [http, tcp]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
  }
  await Promise.all([http, tcp].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))))
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  tcpOrigin = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`
  return async () => {
    for (const socket of sockets) socket.destroy()
    await Promise.all([http, tcp].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
})

afterEach(closeAll)
afterAll(() => routes.clear())

/** The next `error` event, typed. */
async function nextError(source: EventSource): Promise<EventSourceErrorEvent> {
  return (await waitForEvent(source, 'error')) as EventSourceErrorEvent
}

/** Gaps between the end of each response and the next request, in ms. */
function gaps(seen: readonly Seen[]): number[] {
  const out: number[] = []
  for (let i = 1; i < seen.length; i++) {
    const previous = seen[i - 1] as Seen
    out.push(Math.round((seen[i] as Seen).at - (previous.doneAt ?? previous.at)))
  }
  return out
}

/** Each gap no earlier than `expected - 15` ms (timer rounding) and no later than `expected + late` ms (a loaded CI machine; lateness is no bug). */
function expectGaps(actual: number[], expected: number[], late = 250): void {
  const where = `gaps ${JSON.stringify(actual)}, expected ~${JSON.stringify(expected)}`
  expect(actual.length, where).toBe(expected.length)
  expected.forEach((want, i) => {
    expect(actual[i], where).toBeGreaterThanOrEqual(want - 15)
    expect(actual[i], where).toBeLessThanOrEqual(want + late)
  })
}

describe('a line that never ends', () => {
  it('data: line → error naming the buffer limit after maxBufferSize chars, then a reconnect; the server is stopped early', async () => {
    const maxBufferSize = 256 * 1024
    const { url, path } = serve('endless-data', async (req, res, seen) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      if ((seenByPath.get(seen.path)?.length ?? 0) > 1) {
        // Second attempt: a healthy stream, to show the source recovered.
        res.end('data: recovered\n\n')
        return
      }
      await write(res, seen, 'retry: 20\ndata: ')
      const block = Buffer.alloc(64 * 1024, 'a')
      // Up to 1 GiB, paced by backpressure: only a client that stops reading stops it.
      for (let i = 0; i < 16_384; i++) if (!(await write(res, seen, block))) return
    })
    const source = track(new EventSource(url, { maxBufferSize }))
    const events = collect(source)
    const error = await nextError(source)
    expect(error.willReconnect).toBe(true)
    expect(error.message).toMatch(/max buffer size of 262144 characters/)
    expect(source.readyState).toBe(EventSource.CONNECTING)
    await events.waitForType('message')
    expect(events.summary()).toEqual(['open @1', 'error @0', 'open @1', 'message "recovered" @1'])
    const [first] = await until((seen) => (seen[0]?.doneAt === undefined ? undefined : seen), path)
    // The client cancelled the body at the limit; what the server got out
    // beyond it sat in socket buffers (about 4 MiB on loopback).
    expect(first?.bytesWritten).toBeLessThan(maxBufferSize + 8 * MiB)
  })

  it('comment or unknown-field line → discarded as it streams: no error, flat memory, parsing resumes after it', async () => {
    const { url } = serve('endless-comment', async (req, res, seen) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      await write(res, seen, 'data: before\n\n: ')
      const block = Buffer.alloc(256 * 1024, 'c')
      // 64 MiB of one comment line: far more than a buffered line could hold cheaply.
      for (let i = 0; i < 256; i++) if (!(await write(res, seen, block))) return
      await write(res, seen, '\nfoo: ')
      for (let i = 0; i < 64; i++) if (!(await write(res, seen, block))) return
      await write(res, seen, '\ndata: after\n\n')
    })
    const peak = heapPeak()
    const source = track(new EventSource(url, { maxBufferSize: 1 * MiB }))
    const events = collect(source)
    await events.waitForType('message', 2, 15_000)
    const growth = peak.stop()
    expect(events.summary()).toEqual(['open @1', 'message "before" @1', 'message "after" @1'])
    // 80 MiB went through; nothing of it may be held.
    expect(growth).toBeLessThan(32 * MiB)
  }, 20_000)
})

/** One event of 1 GiB in 1 MiB data lines, with `retry: 20`; `data: small` to every later request. */
const hugeEvent: Route = async (req, res, seen) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' })
  if ((seenByPath.get(seen.path)?.length ?? 0) > 1) {
    res.end('data: small\n\n')
    return
  }
  await write(res, seen, 'retry: 20\n')
  const line = Buffer.from(`data: ${'x'.repeat(MiB - 7)}\n`)
  for (let i = 0; i < 1024; i++) if (!(await write(res, seen, line))) return
  await write(res, seen, '\n')
}

describe('a 1 GB event', () => {
  it('is cut at the default maxBufferSize (16 Mi chars): error, reconnect; the server never gets far', async () => {
    const { url, path } = serve('huge-event', hugeEvent)
    const peak = heapPeak()
    const source = track(new EventSource(url))
    const events = collect(source)
    const error = await nextError(source)
    expect(error.willReconnect).toBe(true)
    expect(error.message).toMatch(/max buffer size of 16777216 characters/)
    await events.waitForType('message')
    const growth = peak.stop()
    expect(events.summary()).toEqual(['open @1', 'error @0', 'open @1', 'message "small" @1'])
    const [first] = await until((seen) => (seen[0]?.doneAt === undefined ? undefined : seen), path)
    expect(first?.bytesWritten).toBeLessThan(48 * MiB)
    // The buffered event is at most 16 Mi one-byte characters plus the
    // pieces being joined; nowhere near 1 GiB.
    expect(growth).toBeLessThan(96 * MiB)
  }, 20_000)
})

describe('a slow server', () => {
  it('1 byte at a time (every 100 ms) → the event arrives whole; a watchdog longer than the gap never fires', async () => {
    const { url } = serve('drip', async (req, res, seen) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.flushHeaders()
      for (const byte of Buffer.from('data: slow\n\n')) {
        await delay(100)
        if (!(await write(res, seen, Buffer.of(byte)))) return
      }
    })
    const source = track(new EventSource(url, { inactivityTimeout: 500 }))
    const events = collect(source)
    await events.waitForType('message', 1, 5000)
    expect(events.summary()).toEqual(['open @1', 'message "slow" @1'])
  })
})

describe('headers that never come', () => {
  it('TCP accepted, nothing sent: with inactivityTimeout → error after it, reconnect after the reconnection time', async () => {
    const path = `/no-headers-${++pathCounter}`
    tcpRoutes.set(path, () => {})
    const source = track(new EventSource(`${tcpOrigin}${path}`, { inactivityTimeout: 200, retry: { delay: 50 } }))
    const error = await nextError(source)
    expect(error.willReconnect).toBe(true)
    expect(error.message).toMatch(/No response from .* within 200 ms/)
    const seen = await requests(path, 2)
    // Request → 200 ms watchdog → 50 ms reconnection time → next request.
    const gap = (seen[1] as Seen).at - (seen[0] as Seen).at
    expect(gap).toBeGreaterThanOrEqual(250 - 15)
    expect(gap).toBeLessThanOrEqual(250 + 250)
  })

  it('without inactivityTimeout → stays CONNECTING with no event, like a browser', async () => {
    const path = `/no-headers-${++pathCounter}`
    tcpRoutes.set(path, () => {})
    const source = track(new EventSource(`${tcpOrigin}${path}`))
    const events = collect(source)
    await requests(path, 1)
    await delay(600)
    expect(events.summary()).toEqual([])
    expect(source.readyState).toBe(EventSource.CONNECTING)
  })
})

describe('accept then silence', () => {
  it('headers sent, no byte after: with inactivityTimeout → open, then error, then a reconnect', async () => {
    const { url, path } = serve('silent', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.flushHeaders()
    })
    const source = track(new EventSource(url, { inactivityTimeout: 200, retry: { delay: 50 } }))
    const events = collect(source)
    const error = await nextError(source)
    expect(error.message).toMatch(/No data from .* for 200 ms/)
    const seen = await requests(path, 2)
    expect(events.summary().slice(0, 2)).toEqual(['open @1', 'error @0'])
    const gap = (seen[1] as Seen).at - (seen[0] as Seen).at
    expect(gap).toBeGreaterThanOrEqual(250 - 15)
    expect(gap).toBeLessThanOrEqual(250 + 250)
  })

  it('comments keep the watchdog quiet: a heartbeat inside inactivityTimeout is activity', async () => {
    const { url } = serve('heartbeat', async (req, res, seen) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      for (let i = 0; i < 8; i++) {
        if (!(await write(res, seen, ':\n'))) return
        await delay(50)
      }
      await write(res, seen, 'data: alive\n\n')
    })
    const source = track(new EventSource(url, { inactivityTimeout: 200 }))
    const events = collect(source)
    await events.waitForType('message')
    expect(events.summary()).toEqual(['open @1', 'message "alive" @1'])
  })

  it('without inactivityTimeout → OPEN and waiting, no event', async () => {
    const { url, path } = serve('silent', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.flushHeaders()
    })
    const source = track(new EventSource(url))
    const events = collect(source)
    await events.waitForType('open')
    await delay(600)
    expect(events.summary()).toEqual(['open @1'])
    expect((await requests(path, 1)).length).toBe(1)
  })
})

describe('a 503 storm', () => {
  const storm = (retryAfter?: string): Route => (req, res) => {
    res.writeHead(503, { 'Content-Type': 'text/plain', ...(retryAfter === undefined ? {} : { 'Retry-After': retryAfter }) })
    res.end('overloaded')
  }

  it('by default → fails at once (the spec: any status but 200), one request in all', async () => {
    const { url, path } = serve('503', storm())
    const source = track(new EventSource(url, { retry: { delay: 20 } }))
    const error = await nextError(source)
    expect(error.willReconnect).toBe(false)
    expect(error.status).toBe(503)
    expect(source.readyState).toBe(EventSource.CLOSED)
    await delay(300)
    expect(seenByPath.get(path)?.length).toBe(1)
  })

  it('retry.statusCodes [503] with backoff 2 → waits double per attempt up to maxDelay', async () => {
    const { url, path } = serve('503-backoff', storm())
    track(new EventSource(url, { retry: { statusCodes: [503], delay: 50, backoff: 2, maxDelay: 400 } }))
    const seen = await requests(path, 6)
    closeAll()
    expectGaps(gaps(seen), [50, 100, 200, 400, 400])
  })

  it('Retry-After is honoured over a shorter backoff, capped by maxDelay', async () => {
    const honoured = serve('503-retry-after', storm('1'))
    const capped = serve('503-retry-after-capped', storm('3600'))
    track(new EventSource(honoured.url, { retry: { statusCodes: [503], delay: 20, maxDelay: 5000 } }))
    track(new EventSource(capped.url, { retry: { statusCodes: [503], delay: 20, maxDelay: 300 } }))
    const [honouredSeen, cappedSeen] = await Promise.all([requests(honoured.path, 2), requests(capped.path, 3)])
    closeAll()
    expectGaps(gaps(honouredSeen), [1000])
    expectGaps(gaps(cappedSeen), [300, 300])
  })

  it('retry.limit bounds the storm: failed for good after that many attempts', async () => {
    const { url, path } = serve('503-limit', storm())
    const source = track(new EventSource(url, { retry: { statusCodes: [503], delay: 10, limit: 3 } }))
    const events = collect(source, ['error'])
    await until((seen) => (seen.length >= 3 ? true : undefined), path)
    await events.waitFor(3)
    expect(events.summary()).toEqual(['error @0', 'error @0', 'error @2'])
    await delay(200)
    expect(seenByPath.get(path)?.length).toBe(3)
  })
})

describe('a redirect loop', () => {
  it('fetch gives up after 20 redirects → network error → reconnect: 21 requests per attempt, forever', async () => {
    const { url, path } = serve('loop', (req, res) => {
      res.writeHead(302, { Location: req.url ?? '/' }).end()
    })
    const source = track(new EventSource(url, { retry: { delay: 50 } }))
    const events = collect(source, ['error'])
    const error = await nextError(source)
    expect(error.willReconnect).toBe(true)
    expect(error.message).toMatch(/redirect/i)
    await events.waitFor(2)
    source.close()
    // Two attempts: 1 request + 20 redirects each.
    const seen = await until((s) => (s.length >= 42 ? s : undefined), path)
    await delay(100)
    expect(seen.length).toBe(42)
  })
})

describe('wrong content types', () => {
  for (const contentType of ['text/plain', 'application/json', 'text/html; charset=utf-8', null, 'text/event-streams', 'application/event-stream']) {
    it(`${contentType ?? 'no Content-Type'} → fails, no reconnect`, async () => {
      const { url, path } = serve('type', (req, res) => {
        res.writeHead(200, contentType === null ? {} : { 'Content-Type': contentType })
        res.end('data: not for you\n\n')
      })
      const source = track(new EventSource(url, { retry: { delay: 10 } }))
      const events = collect(source)
      const error = await nextError(source)
      expect(error.willReconnect).toBe(false)
      expect(error.message).toMatch(/Content-Type/)
      await delay(150)
      expect(events.summary()).toEqual(['error @2'])
      expect(seenByPath.get(path)?.length).toBe(1)
    })
  }

  it('fetchEvents throws EventStreamError with the response', async () => {
    const { url } = serve('type-fe', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')
    })
    const error = await (async () => {
      try {
        for await (const event of fetchEvents(url)) void event
      } catch (caught) {
        return caught
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(EventStreamError)
    expect((error as EventStreamError).response?.headers.get('content-type')).toBe('application/json')
  })
})

/** Invalid sequences in one event's data, then a valid event. */
const INVALID_UTF8 = Buffer.concat([Buffer.from('data: a'), Buffer.of(0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80), Buffer.from('b'), Buffer.of(0xe2, 0x82), Buffer.from('\n\ndata: ok\n\n')])

describe('invalid UTF-8', () => {
  it('every invalid sequence becomes U+FFFD; the stream goes on', async () => {
    const { url } = serve('utf8', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.end(INVALID_UTF8)
    })
    const source = track(new EventSource(url))
    const events = collect(source, ['message'])
    await events.waitFor(2)
    // FF → 1, C0 → 1, 80 → 1, ED A0 80 → 3 (surrogates are not UTF-8), E2 82 (truncated) → 1.
    expect(events.events.map((e) => e.data)).toEqual(['a\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDb\uFFFD', 'ok'])
  })

  it('8 MiB of random binary → no error, bounded memory, and the next event still arrives', async () => {
    const { url } = serve('binary', async (req, res, seen) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      let state = 1
      const garbage = Buffer.alloc(MiB)
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < garbage.length; j++) {
          state = (state * 1103515245 + 12345) >>> 0
          garbage[j] = state >>> 24
        }
        if (!(await write(res, seen, garbage))) return
      }
      await write(res, seen, '\n\ndata: ok\n\n')
    })
    const peak = heapPeak()
    const source = track(new EventSource(url, { maxBufferSize: 1 * MiB }))
    const events = collect(source)
    // Random bytes may form a few events of their own; wait for the one after them.
    for (;;) {
      if (events.events.some((e) => e.data === 'ok')) break
      await events.waitFor(events.events.length + 1, 10_000)
    }
    expect(events.events.filter((e) => e.type === 'error')).toEqual([])
    expect(peak.stop()).toBeLessThan(64 * MiB)
  }, 20_000)
})

/** Answers with a chunked body whose second chunk is cut short by a TCP RST, then resumes on reconnect. */
function resettingServer(): string {
  const path = `/reset-${++pathCounter}`
  tcpRoutes.set(path, (socket, seen) => {
    // Connection: close, so every attempt is a new connection this parser sees.
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
    const chunk = (text: string): string => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`
    if (seen.lastEventId === undefined) {
      const second = 'id: 2\ndata: two\n\n'
      // The chunk header promises all of `second`; only half of it is sent.
      socket.write(`${head}${chunk('retry: 20\nid: 1\ndata: one\n\n')}${Buffer.byteLength(second).toString(16)}\r\n${second.slice(0, 9)}`, () =>
        socket.resetAndDestroy(),
      )
    } else if (seen.lastEventId === '1') {
      socket.end(`${head}${chunk('id: 2\ndata: two\n\n')}0\r\n\r\n`)
    } else {
      // The EventSource reconnects after the clean end: nothing more to say.
      socket.write(head)
    }
  })
  return path
}

describe('a reset in the middle of an HTTP chunk', () => {
  it('EventSource: error, reconnect with Last-Event-ID 1, every event once', async () => {
    const path = resettingServer()
    const source = track(new EventSource(`${tcpOrigin}${path}`))
    const events = collect(source)
    await events.waitForType('message', 2)
    expect(events.summary().slice(0, 5)).toEqual(['open @1', 'message "one" @1', 'error @0', 'open @1', 'message "two" @1'])
    const seen = await requests(path, 2)
    expect(seen.map((s) => s.lastEventId)).toEqual([undefined, '1'])
  })

  it('fetchEvents: resumes invisibly, yields each event once, ends', async () => {
    const path = resettingServer()
    const data: string[] = []
    for await (const event of fetchEvents(`${tcpOrigin}${path}`)) data.push(event.data)
    expect(data).toEqual(['one', 'two'])
  })
})

// eventsource-kit/lite has no options: each hostile server above that the
// full class meets with its defaults, met by the lite class with the same outcome.
describe('eventsource-kit/lite, against the same servers', () => {
  it('a 1 GB event is cut at 16 Mi chars: a plain error event, a reconnect, bounded memory', async () => {
    const { url, path } = serve('lite-huge-event', hugeEvent)
    const peak = heapPeak()
    const source = track(new LiteEventSource(url))
    const events = collect(source)
    await events.waitForType('message')
    const growth = peak.stop()
    expect(events.summary()).toEqual(['open @1', 'error @0', 'open @1', 'message "small" @1'])
    // The browser's error event: no reasons attached.
    expect(events.events[1]?.event.constructor).toBe(Event)
    const [first] = await until((seen) => (seen[0]?.doneAt === undefined ? undefined : seen), path)
    expect(first?.bytesWritten).toBeLessThan(48 * MiB)
    expect(growth).toBeLessThan(96 * MiB)
  }, 20_000)

  it('headers that never come → stays CONNECTING with no event, like a browser', async () => {
    const path = `/lite-no-headers-${++pathCounter}`
    tcpRoutes.set(path, () => {})
    const source = track(new LiteEventSource(`${tcpOrigin}${path}`))
    const events = collect(source)
    await requests(path, 1)
    await delay(600)
    expect(events.summary()).toEqual([])
    expect(source.readyState).toBe(LiteEventSource.CONNECTING)
  })

  it('accept then silence → OPEN and waiting, no event', async () => {
    const { url, path } = serve('lite-silent', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.flushHeaders()
    })
    const source = track(new LiteEventSource(url))
    const events = collect(source)
    await events.waitForType('open')
    await delay(600)
    expect(events.summary()).toEqual(['open @1'])
    expect((await requests(path, 1)).length).toBe(1)
  })

  it('a 503 storm → fails at once, one request in all', async () => {
    const { url, path } = serve('lite-503', (req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '0' }).end('overloaded')
    })
    const source = track(new LiteEventSource(url))
    const events = collect(source)
    await events.waitForType('error')
    await delay(300)
    expect(events.summary()).toEqual(['error @2'])
    expect(seenByPath.get(path)?.length).toBe(1)
  })

  it('a redirect loop → fetch gives up after 20 redirects → error, CONNECTING (a reconnect after the reconnection time)', async () => {
    const { url, path } = serve('lite-loop', (req, res) => {
      res.writeHead(302, { Location: req.url ?? '/' }).end()
    })
    const source = track(new LiteEventSource(url))
    const events = collect(source)
    await events.waitForType('error')
    expect(events.summary()).toEqual(['error @0'])
    source.close()
    await delay(100)
    expect(seenByPath.get(path)?.length).toBe(21)
  })

  it('a wrong Content-Type → fails, no reconnect', async () => {
    const { url, path } = serve('lite-type', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('data: not for you\n\n')
    })
    const source = track(new LiteEventSource(url))
    const events = collect(source)
    await events.waitForType('error')
    await delay(150)
    expect(events.summary()).toEqual(['error @2'])
    expect(seenByPath.get(path)?.length).toBe(1)
  })

  it('invalid UTF-8 → U+FFFD; the stream goes on', async () => {
    const { url } = serve('lite-utf8', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.end(INVALID_UTF8)
    })
    const source = track(new LiteEventSource(url))
    const events = collect(source, ['message'])
    await events.waitFor(2)
    expect(events.events.map((e) => e.data)).toEqual(['a\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDb\uFFFD', 'ok'])
  })

  it('a reset in the middle of an HTTP chunk → error, reconnect with Last-Event-ID 1, every event once', async () => {
    const path = resettingServer()
    const source = track(new LiteEventSource(`${tcpOrigin}${path}`))
    const events = collect(source)
    await events.waitForType('message', 2)
    expect(events.summary().slice(0, 5)).toEqual(['open @1', 'message "one" @1', 'error @0', 'open @1', 'message "two" @1'])
    const seen = await requests(path, 2)
    expect(seen.map((s) => s.lastEventId)).toEqual([undefined, '1'])
  })
})
