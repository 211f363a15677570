// Issue 4, `fetchEvents(input, init)`: a one-shot event stream as an async
// iterable of `{ type, data, lastEventId }`, with the same init as
// `new EventSource()`. It ends on a clean end of body, resumes a broken one
// only when the server sent ids (and `retry` allows), throws
// `EventStreamError` for a non-200 or a wrong content type, aborts the request
// on `break`/`signal`, and reads only as fast as the loop iterates.

import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { EventStreamError, fetchEvents, type StreamEvent } from '../src/index.js'
import {
  IN_BROWSER,
  at,
  attempts,
  delay,
  header,
  scriptUrl,
  signal,
  uniqueKey,
  type LoggedRequest,
} from './support/script.js'

const origin = inject('sseOrigin')
const refusedOrigin = inject('sseRefusedOrigin')

afterEach(() => {
  vi.unstubAllGlobals()
})

/** Drains the iterator; what it yielded, and what it threw (if anything). */
async function drain(iterable: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error: unknown }> {
  const events: StreamEvent[] = []
  try {
    for await (const event of iterable) events.push(event)
  } catch (error) {
    return { events, error }
  }
  return { events, error: undefined }
}

function bodyText(request: LoggedRequest): string {
  return new TextDecoder().decode(Uint8Array.from(atob(request.bodyBase64), (c) => c.charCodeAt(0)))
}

/**
 * A fetch that re-chunks the real body into one `event` per chunk, and counts
 * how many chunks the reader asked for; a highWaterMark of 0 means nothing is
 * pulled ahead of a read.
 */
function pullCountingFetch(event: string): { fetch: typeof fetch; pulls: () => number } {
  let pulls = 0
  const realFetch = globalThis.fetch
  const countingFetch: typeof fetch = async (input, init) => {
    const response = await realFetch(input, init)
    const upstream = response.body?.getReader()
    if (upstream === undefined) return response
    let pending = new Uint8Array(0)
    const size = new TextEncoder().encode(event).length
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          pulls += 1
          while (pending.length < size) {
            const { done, value } = await upstream.read()
            if (done) {
              if (pending.length > 0) controller.enqueue(pending)
              controller.close()
              return
            }
            const joined = new Uint8Array(pending.length + value.length)
            joined.set(pending)
            joined.set(value, pending.length)
            pending = joined
          }
          controller.enqueue(pending.slice(0, size))
          pending = pending.slice(size)
        },
        cancel(reason) {
          return upstream.cancel(reason)
        },
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { status: response.status, headers: response.headers })
  }
  return { fetch: countingFetch, pulls: () => pulls }
}

const FAST = { delay: 30 } as const

describe('iteration', () => {
  it('yields { type, data, lastEventId } in order and ends when the server ends the stream', async () => {
    const key = uniqueKey('fe-basic')
    const url = scriptUrl(origin, key, [
      { chunks: ['data: a\n\n', 'event: token\ndata: b\ndata: c\n\n', 'id: 5\ndata: d\n\n', 'data: e\n\n'] },
      { chunks: ['data: must not be fetched\n\n'] },
    ])
    const { events, error } = await drain(fetchEvents(url, { retry: FAST }))
    expect(error).toBeUndefined()
    expect(events).toEqual([
      { type: 'message', data: 'a', lastEventId: '' },
      { type: 'token', data: 'b\nc', lastEventId: '' },
      { type: 'message', data: 'd', lastEventId: '5' },
      { type: 'message', data: 'e', lastEventId: '5' },
    ])
    // A clean end is the end: no reconnect, even though an id was given.
    await delay(200)
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('an empty stream ends with no events', async () => {
    const { events, error } = await drain(fetchEvents(scriptUrl(origin, uniqueKey('fe-empty'), [{}])))
    expect([events, error]).toEqual([[], undefined])
  })

  it('sends method, headers (a function, per attempt) and body, through a custom fetch', async () => {
    const key = uniqueKey('fe-post')
    const realFetch = globalThis.fetch
    const fetchSpy = vi.fn<typeof fetch>((input, init) => realFetch(input, init))
    let token = 0
    const url = scriptUrl(origin, key, [
      { chunks: ['id: 1\ndata: a\n\n'], end: 'destroy' },
      { chunks: ['data: b\n\n'] },
    ])
    const { events, error } = await drain(
      fetchEvents(url, {
        method: 'POST',
        headers: () => ({ Authorization: `Bearer ${++token}`, 'Content-Type': 'application/json' }),
        body: '{"stream":true}',
        fetch: fetchSpy,
        retry: FAST,
      }),
    )
    expect(error).toBeUndefined()
    expect(events.map((e) => e.data)).toEqual(['a', 'b'])
    expect(fetchSpy).toHaveBeenCalledTimes(2)
    const log = await attempts(origin, key, { min: 2 })
    expect(log.map((r) => [r.method, header(r, 'authorization'), bodyText(r), header(r, 'last-event-id')])).toEqual([
      ['POST', 'Bearer 1', '{"stream":true}', null],
      ['POST', 'Bearer 2', '{"stream":true}', '1'],
    ])
    expect(header(at(log, 0), 'accept')).toBe('text/event-stream')
  })

  it('sends lastEventId from the first request', async () => {
    const key = uniqueKey('fe-leid')
    const { events } = await drain(fetchEvents(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }]), { lastEventId: 'L' }))
    expect(events).toEqual([{ type: 'message', data: 'a', lastEventId: 'L' }])
    expect(header(at(await attempts(origin, key, { min: 1 }), 0), 'last-event-id')).toBe('L')
  })
})

describe('a broken stream', () => {
  it('resumes with Last-Event-ID when the server sent ids, without repeating or losing events', async () => {
    const key = uniqueKey('fe-resume')
    const url = scriptUrl(origin, key, [
      { chunks: ['id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: partial'], end: 'destroy' },
      { chunks: ['id: 3\ndata: c\n\n'], end: 'destroy' },
      { chunks: ['data: d\n\n'] },
    ])
    const { events, error } = await drain(fetchEvents(url, { retry: FAST }))
    expect(error).toBeUndefined()
    expect(events.map((e) => [e.data, e.lastEventId])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '3'],
    ])
    const log = await attempts(origin, key, { min: 3 })
    expect(log.map((r) => header(r, 'last-event-id'))).toEqual([null, '2', '3'])
  })

  it('throws EventStreamError (with the network error as cause) when no id was sent', async () => {
    const key = uniqueKey('fe-noid')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'destroy' }, { chunks: ['data: b\n\n'] }])
    const { events, error } = await drain(fetchEvents(url, { retry: FAST }))
    expect(events.map((e) => e.data)).toEqual(['a'])
    expect(error).toBeInstanceOf(EventStreamError)
    const streamError = error as EventStreamError
    expect(streamError.status).toBeUndefined()
    expect(streamError.cause).toBeDefined()
    await delay(200)
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('throws when ids were sent but retry: false', async () => {
    const key = uniqueKey('fe-retry-false')
    const url = scriptUrl(origin, key, [{ chunks: ['id: 1\ndata: a\n\n'], end: 'destroy' }, { chunks: ['data: b\n\n'] }])
    const { events, error } = await drain(fetchEvents(url, { retry: false }))
    expect(events.map((e) => e.data)).toEqual(['a'])
    expect(error).toBeInstanceOf(EventStreamError)
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('gives up after retry.limit failed resumes', async () => {
    const key = uniqueKey('fe-limit')
    const url = scriptUrl(origin, key, [{ chunks: ['id: 1\ndata: a\n\n'], end: 'destroy' }, { destroyBeforeHeaders: true }])
    const { events, error } = await drain(fetchEvents(url, { retry: { delay: 20, limit: 2 } }))
    expect(events.map((e) => e.data)).toEqual(['a'])
    expect(error).toBeInstanceOf(EventStreamError)
    // The first attempt opened; then two failed resumes reach the limit.
    expect((await attempts(origin, key)).length).toBe(3)
  })

  it('a refused connection throws at once (no id to resume from)', async () => {
    const { events, error } = await drain(fetchEvents(`${refusedOrigin}/x`, { retry: FAST }))
    expect(events).toEqual([])
    expect(error).toBeInstanceOf(EventStreamError)
  })
})

describe('responses that are not event streams', () => {
  it('a non-200 throws EventStreamError with status and a readable response', async () => {
    const key = uniqueKey('fe-429')
    const url = scriptUrl(origin, key, [
      { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '30' }, chunks: ['{"error":"slow down"}'] },
    ])
    const { events, error } = await drain(fetchEvents(url))
    expect(events).toEqual([])
    expect(error).toBeInstanceOf(EventStreamError)
    expect(error).toBeInstanceOf(Error)
    const streamError = error as EventStreamError
    expect(streamError.name).toBe('EventStreamError')
    expect(streamError.status).toBe(429)
    expect(streamError.response?.status).toBe(429)
    expect(streamError.response?.headers.get('retry-after')).toBe('30')
    expect(streamError.message).toContain('429')
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('a wrong content type throws EventStreamError with status 200', async () => {
    const url = scriptUrl(origin, uniqueKey('fe-mime'), [{ headers: { 'Content-Type': 'text/html' }, chunks: ['<p>'] }])
    const { error } = await drain(fetchEvents(url))
    expect(error).toBeInstanceOf(EventStreamError)
    expect((error as EventStreamError).status).toBe(200)
    expect((error as EventStreamError).response?.headers.get('content-type')).toBe('text/html')
  })

  it('an invalid URL or header throws on the first next(), before any request', async () => {
    await expect(fetchEvents('http://[bad').next()).rejects.toMatchObject({ name: 'SyntaxError' })
    const key = uniqueKey('fe-bad-header')
    await expect(
      fetchEvents(scriptUrl(origin, key, [{}]), { headers: { 'X-Bad': 'a\r\nInjected: 1' } }).next(),
    ).rejects.toBeInstanceOf(TypeError)
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
  })
})

describe('ending the loop aborts the request at once', () => {
  it('break: the server sees the connection closed by the client', async () => {
    const key = uniqueKey('fe-break')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n', 'data: b\n\n'], end: 'hang' }])
    for await (const event of fetchEvents(url)) {
      if (event.data === 'a') break
    }
    const log = await attempts(origin, key, { closed: 1, timeout: 1000 })
    expect(at(log, 0).closedAt).not.toBeNull()
    expect(at(log, 0).closedByClient).toBe(true)
  })

  it('a throw in the loop body aborts the request too', async () => {
    const key = uniqueKey('fe-throw')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }])
    const oops = new Error('consumer failed')
    await expect(
      (async () => {
        for await (const _event of fetchEvents(url)) throw oops
      })(),
    ).rejects.toBe(oops)
    const log = await attempts(origin, key, { closed: 1, timeout: 1000 })
    expect(at(log, 0).closedByClient).toBe(true)
  })

  it('signal aborted while waiting for the next event: the loop throws the reason, the server sees the close', async () => {
    const key = uniqueKey('fe-signal')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n', { await: 'never' }, 'data: b\n\n'], end: 'hang' }])
    const controller = new AbortController()
    const reason = new Error('user left')
    const seen: string[] = []
    let firstSeen: () => void = () => {}
    const gotFirst = new Promise<void>((resolve) => (firstSeen = resolve))
    const result = drain(
      (async function* () {
        for await (const event of fetchEvents(url, { signal: controller.signal })) {
          seen.push(event.data)
          firstSeen()
          yield event
        }
      })(),
    )
    await gotFirst
    // Let the loop go back to waiting for the next event before aborting.
    await delay(20)
    controller.abort(reason)
    const { error } = await result
    expect(error).toBe(reason)
    expect(seen).toEqual(['a'])
    const log = await attempts(origin, key, { closed: 1, timeout: 1000 })
    expect(at(log, 0).closedByClient).toBe(true)
  })

  it('signal aborted while the response headers are awaited: the loop throws the reason, the server sees the close', async () => {
    // With a signal and no inactivityTimeout, the fetch is given the caller's
    // signal itself (no controller of our own): that must still abort it.
    const key = uniqueKey('fe-signal-headers')
    const url = scriptUrl(origin, key, [{ delayHeaders: 10_000 }])
    const controller = new AbortController()
    const reason = new Error('user left early')
    const result = drain(fetchEvents(url, { signal: controller.signal }))
    await attempts(origin, key, { min: 1, timeout: 1000 })
    controller.abort(reason)
    expect((await result).error).toBe(reason)
    expect(at(await attempts(origin, key, { closed: 1, timeout: 1000 }), 0).closedByClient).toBe(true)
  })

  it('signal and inactivityTimeout: silent headers still time out, aborted by the watchdog', async () => {
    const key = uniqueKey('fe-signal-idle')
    const url = scriptUrl(origin, key, [{ delayHeaders: 10_000 }])
    const controller = new AbortController()
    const { error } = await drain(fetchEvents(url, { signal: controller.signal, inactivityTimeout: 100, retry: false }))
    expect(error).toBeInstanceOf(EventStreamError)
    expect((error as EventStreamError).message).toMatch(/100 ms/)
    expect(controller.signal.aborted).toBe(false)
    expect(at(await attempts(origin, key, { closed: 1, timeout: 1000 }), 0).closedByClient).toBe(true)
  })

  it('an already aborted signal throws on the first next() and sends nothing', async () => {
    const key = uniqueKey('fe-signal-pre')
    const reason = new Error('never mind')
    await expect(fetchEvents(scriptUrl(origin, key, [{}]), { signal: AbortSignal.abort(reason) }).next()).rejects.toBe(reason)
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
  })
})

describe('reads only as fast as the consumer iterates', () => {
  it('a slow consumer stops the server: bytes written stay bounded while it pauses', async (context) => {
    // Chromium's fetch reads a response body ahead of the page's reads: a bare fetch() whose
    // reader took three chunks let this server write the whole 64 MiB within the pause. The
    // server cannot see the client's pace there; the next test checks it through a custom fetch.
    context.skip(
      IN_BROWSER,
      "Chromium's fetch buffers the whole response body ahead of the reader (a bare fetch() reader shows the same), so the server's byte count cannot show the client's pace; the custom-fetch pull-count test covers it",
    )
    const key = uniqueKey('fe-backpressure')
    // 64 MiB of 1 KiB events, written by the server as fast as the socket
    // takes them (it waits for `drain`).
    const event = `data: ${'p'.repeat(1016)}\n\n`
    const total = event.length * 65_536
    const url = scriptUrl(origin, key, [{ chunks: [{ repeat: event, times: 65_536 }] }])
    const iterator = fetchEvents(url)[Symbol.asyncIterator]()
    try {
      for (let i = 0; i < 3; i++) expect((await iterator.next()).done).toBe(false)
      // Pause: a client that read eagerly would pull all 64 MiB over loopback
      // well within this time.
      await delay(700)
      const written = at(await attempts(origin, key, { min: 1 }), 0).bytesWritten ?? 0
      // Socket buffers on both sides plus the fetch body's queue: a few MiB at
      // most, never the whole body.
      expect(written).toBeLessThan(16 * 1024 * 1024)
      expect(written).toBeLessThan(total)
    } finally {
      await iterator.return()
    }
  })

  it('pulls body chunks only as events are consumed (custom fetch counting pulls)', async () => {
    const key = uniqueKey('fe-pulls')
    const event = 'data: 0123456789\n\n'
    const { fetch: countingFetch, pulls } = pullCountingFetch(event)
    const url = scriptUrl(origin, key, [{ chunks: [{ repeat: event, times: 2000 }] }])
    const iterator = fetchEvents(url, { fetch: countingFetch })[Symbol.asyncIterator]()
    try {
      for (let consumed = 1; consumed <= 5; consumed++) {
        expect((await iterator.next()).done).toBe(false)
        // Give an eager reader time to run ahead.
        await delay(30)
        // One chunk per event consumed, plus at most one read in flight.
        expect(pulls(), `after ${consumed} events`).toBeLessThanOrEqual(consumed + 1)
      }
    } finally {
      await iterator.return()
    }
  })

  it('a reconnect while the loop still holds events of the attempt before: every event once, in order', async () => {
    // The watchdog ends the attempt while the loop sleeps on its first event,
    // with the second still queued; the reconnect's chunk comes after it.
    const key = uniqueKey('fe-slow-reconnect')
    const url = scriptUrl(origin, key, [
      { chunks: ['retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n'], end: 'hang' },
      { chunks: ['id: 3\ndata: c\n\n'] },
    ])
    const seen: string[] = []
    for await (const event of fetchEvents(url, { inactivityTimeout: 100, retry: { delay: 10 } })) {
      seen.push(`${event.lastEventId}:${event.data}`)
      if (seen.length === 1) await delay(400)
    }
    expect(seen).toEqual(['1:a', '2:b', '3:c'])
  })

  it('an event handed to a next() that was already waiting still holds the next read back', async () => {
    // Each next() here waits before its chunk arrives, so the event goes
    // straight to it. The async generator queued it first and made the
    // connection wait until the loop asked for more: exactly one read per
    // event consumed, none ahead.
    const key = uniqueKey('fe-pulls-waiting')
    const event = 'data: 0123456789\n\n'
    const { fetch: countingFetch, pulls } = pullCountingFetch(event)
    const url = scriptUrl(origin, key, [{ chunks: [{ repeat: event, times: 2000 }] }])
    const iterator = fetchEvents(url, { fetch: countingFetch })
    try {
      for (let consumed = 1; consumed <= 5; consumed++) {
        expect((await iterator.next()).done).toBe(false)
        await delay(30)
        expect(pulls(), `after ${consumed} events`).toBe(consumed)
      }
    } finally {
      await iterator.return()
    }
  })
})

/**
 * An abort signal that counts the `abort` listeners added by anything but
 * fetch: fetchEvents() hands the signal to fetch, which keeps its own listener
 * until the request is garbage (undici) — fetch's business, not ours. Pass
 * `fetch` as the stream's fetch; what it adds while it runs is not counted.
 */
function countingSignal(): { controller: AbortController; listeners: () => number; fetch: typeof fetch } {
  const controller = new AbortController()
  const target = controller.signal
  const active = new Set<EventListenerOrEventListenerObject>()
  let inFetch = false
  const add = target.addEventListener.bind(target)
  const remove = target.removeEventListener.bind(target)
  target.addEventListener = (type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions) => {
    if (listener === null) return
    if (type === 'abort' && !inFetch) active.add(listener)
    add(type, listener, options)
  }
  target.removeEventListener = (type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions) => {
    if (listener === null) return
    if (type === 'abort') active.delete(listener)
    remove(type, listener, options)
  }
  const fetchOwn: typeof fetch = (input, init) => {
    inFetch = true
    try {
      return globalThis.fetch(input, init)
    } finally {
      inFetch = false
    }
  }
  return { controller, listeners: () => active.size, fetch: fetchOwn }
}

/** Records the order in which promises settle. */
function settleOrder(): { track<T>(name: string, promise: Promise<T>): Promise<T>; order: string[] } {
  const order: string[] = []
  return {
    order,
    track(name, promise) {
      promise.then(
        () => order.push(name),
        () => order.push(name),
      )
      return promise
    },
  }
}

// fetchEvents() returns a hand-written iterator, not an async generator (a
// generator costs several promise ticks per event). These pin the generator
// behaviour it must keep.
describe('the async generator protocol', () => {
  it('sends nothing before the first next()', async () => {
    const key = uniqueKey('fe-lazy')
    const iterator = fetchEvents(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }]))
    await delay(100)
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
    try {
      expect(await iterator.next()).toEqual({ value: { type: 'message', data: 'a', lastEventId: '' }, done: false })
      expect((await attempts(origin, key, { min: 1 })).length).toBe(1)
    } finally {
      await iterator.return()
    }
  })

  it('next() calls made before the earlier ones settle are answered in order, then done', async () => {
    const key = uniqueKey('fe-concurrent')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n', { delay: 30 }, 'data: b\n\ndata: c\n\n', { delay: 30 }, 'data: d\n\n'] }])
    const iterator = fetchEvents(url)
    const { track, order } = settleOrder()
    const calls = [0, 1, 2, 3, 4, 5].map((n) => track(String(n), iterator.next()))
    const results = await Promise.all(calls)
    expect(results.map((r) => (r.done === true ? 'done' : r.value.data))).toEqual(['a', 'b', 'c', 'd', 'done', 'done'])
    expect(order).toEqual(['0', '1', '2', '3', '4', '5'])
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  it('next() calls waiting when the stream fails: the first gets the error, the later ones done', async () => {
    const key = uniqueKey('fe-concurrent-fail')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'destroy' }])
    const iterator = fetchEvents(url, { retry: FAST })
    const { track, order } = settleOrder()
    const first = track('a', iterator.next())
    const failed = track('error', iterator.next())
    const after = track('after', iterator.next())
    expect((await first).value?.data).toBe('a')
    await expect(failed).rejects.toBeInstanceOf(EventStreamError)
    expect(await after).toEqual({ value: undefined, done: true })
    expect(order).toEqual(['a', 'error', 'after'])
  })

  it('next() calls waiting when the signal aborts: the first gets the reason, the later ones done; the server sees the close', async () => {
    const key = uniqueKey('fe-concurrent-abort')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }])
    const controller = new AbortController()
    const reason = new Error('stop')
    const iterator = fetchEvents(url, { signal: controller.signal })
    expect((await iterator.next()).value?.data).toBe('a')
    const { track, order } = settleOrder()
    const aborted = track('aborted', iterator.next())
    const after = track('after', iterator.next())
    await delay(20)
    controller.abort(reason)
    await expect(aborted).rejects.toBe(reason)
    expect(await after).toEqual({ value: undefined, done: true })
    expect(order).toEqual(['aborted', 'after'])
    expect(at(await attempts(origin, key, { closed: 1, timeout: 1000 }), 0).closedByClient).toBe(true)
  })

  it('return() while a next() waits is answered after it, as by an async generator, then aborts the request', async () => {
    const key = uniqueKey('fe-return-pending')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n', { await: 'go' }, 'data: b\n\n'], end: 'hang' }])
    const iterator = fetchEvents(url)
    expect((await iterator.next()).value?.data).toBe('a')
    const { track, order } = settleOrder()
    const waiting = track('next', iterator.next())
    const returned = track('return', iterator.return())
    // An async generator runs return() only once the next() before it has
    // settled: until then nothing is answered and the request stays open.
    await delay(100)
    expect(order).toEqual([])
    expect(at(await attempts(origin, key, { timeout: 0 }), 0).closedAt).toBeNull()
    await signal(origin, key, 'go')
    expect(await waiting).toEqual({ value: { type: 'message', data: 'b', lastEventId: '' }, done: false })
    expect(await returned).toEqual({ value: undefined, done: true })
    expect(order).toEqual(['next', 'return'])
    expect(at(await attempts(origin, key, { closed: 1, timeout: 1000 }), 0).closedByClient).toBe(true)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  it('throw() rejects with its argument, aborts the request, and ends the iteration', async () => {
    const key = uniqueKey('fe-throw-method')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\ndata: b\n\n'], end: 'hang' }])
    const iterator = fetchEvents(url)
    expect((await iterator.next()).value?.data).toBe('a')
    const oops = new Error('consumer gave up')
    await expect(iterator.throw(oops)).rejects.toBe(oops)
    expect(at(await attempts(origin, key, { closed: 1, timeout: 1000 }), 0).closedByClient).toBe(true)
    // The event that was already queued is dropped, as by a generator's `finally`.
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    await expect(iterator.throw(oops)).rejects.toBe(oops)
    expect(await iterator.return()).toEqual({ value: undefined, done: true })
  })

  it('return() or throw() before the first next() ends it without a request', async () => {
    const key = uniqueKey('fe-end-early')
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }])
    const returned = fetchEvents(url)
    expect(await returned.return()).toEqual({ value: undefined, done: true })
    expect(await returned.next()).toEqual({ value: undefined, done: true })
    const thrown = fetchEvents(url)
    const oops = new Error('never mind')
    await expect(thrown.throw(oops)).rejects.toBe(oops)
    expect(await thrown.next()).toEqual({ value: undefined, done: true })
    await delay(50)
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
  })

  it('the abort listener is removed after break, after the end and after a failure', async () => {
    const hang = scriptUrl(origin, uniqueKey('fe-listener-break'), [{ chunks: ['data: a\n\n', 'data: b\n\n'], end: 'hang' }])
    const broken = countingSignal()
    for await (const _event of fetchEvents(hang, { signal: broken.controller.signal, fetch: broken.fetch })) {
      expect(broken.listeners()).toBe(1)
      break
    }
    expect(broken.listeners()).toBe(0)
    // Aborting afterwards reaches nothing of the finished iteration.
    broken.controller.abort()

    const ended = countingSignal()
    const { error } = await drain(fetchEvents(scriptUrl(origin, uniqueKey('fe-listener-end'), [{ chunks: ['data: a\n\n'] }]), { signal: ended.controller.signal, fetch: ended.fetch }))
    expect(error).toBeUndefined()
    expect(ended.listeners()).toBe(0)

    const failed = countingSignal()
    const url = scriptUrl(origin, uniqueKey('fe-listener-fail'), [{ status: 500 }])
    expect((await drain(fetchEvents(url, { signal: failed.controller.signal, fetch: failed.fetch }))).error).toBeInstanceOf(EventStreamError)
    expect(failed.listeners()).toBe(0)
  })

  it('is its own async iterator, and disposable wherever native async generators are', async () => {
    const key = uniqueKey('fe-dispose')
    const iterator = fetchEvents(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }]))
    expect(iterator[Symbol.asyncIterator]()).toBe(iterator)
    const disposable = (value: object): value is { [Symbol.asyncDispose](): Promise<void> } =>
      typeof Symbol.asyncDispose === 'symbol' && typeof (value as Record<symbol, unknown>)[Symbol.asyncDispose] === 'function'
    expect(disposable(iterator)).toBe(disposable((async function* () {})()))
    expect((await iterator.next()).value?.data).toBe('a')
    if (disposable(iterator)) await iterator[Symbol.asyncDispose]()
    else await iterator.return()
    expect(at(await attempts(origin, key, { closed: 1, timeout: 1000 }), 0).closedByClient).toBe(true)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })
})
