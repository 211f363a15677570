// Issue 4, request options of `new EventSource(url, init)`: `method`, `body`,
// `headers`, `fetch` and `lastEventId`, and the rule that a non-GET request is
// re-sent on reconnect only when the stream gave an id to resume from.
// Everything is asserted on what the real test server received.

import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { EventSource, type EventSourceErrorEvent } from '../src/index.js'
import {
  IN_BROWSER,
  at,
  attempts,
  closeAll,
  collect,
  delay,
  header,
  headerBytes,
  headerCount,
  scriptUrl,
  track,
  uniqueKey,
  waitForEvent,
  type LoggedRequest,
} from './support/script.js'

const origin = inject('sseOrigin')

/** Long enough for a client that wrongly reconnects after a 50 ms delay to do
 *  so several times over. */
const NO_RECONNECT_WINDOW_MS = 400

/** A short reconnection time for every test that reconnects, so none waits
 *  for the 3 s default. */
const FAST = { delay: 50 } as const

afterEach(() => {
  closeAll()
  vi.unstubAllGlobals()
})

/** The request body as text (test bodies are ASCII or UTF-8). */
function bodyText(request: LoggedRequest): string {
  const binary = atob(request.bodyBase64)
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}

/** A first attempt that gives an id and ends, then one that stays open: the
 *  shape of every "reconnects with the same request" test. */
const endThenHang = [{ chunks: ['id: 7\ndata: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' as const }]

describe('method and body', () => {
  it('defaults to GET with no body', async () => {
    const key = uniqueKey('opt-method-default')
    const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { headers: { 'X-A': '1' } }))
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(request.method).toBe('GET')
    expect(request.bodyBase64).toBe('')
  })

  it('sends the method and a string body', async () => {
    const key = uniqueKey('opt-method-post')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"q":"ü"}',
      }),
    )
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(request.method).toBe('POST')
    expect(bodyText(request)).toBe('{"q":"ü"}')
    expect(header(request, 'content-type')).toBe('application/json')
    // The library's own header is still there on a non-GET request.
    expect(header(request, 'accept')).toBe('text/event-stream')
  })

  it('sends other methods as given (PUT)', async () => {
    const key = uniqueKey('opt-method-put')
    const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { method: 'PUT', body: 'x' }))
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect([request.method, bodyText(request)]).toEqual(['PUT', 'x'])
  })

  it('accepts URLSearchParams as a body (fetch sets its Content-Type)', async () => {
    const key = uniqueKey('opt-body-params')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), {
        method: 'POST',
        body: new URLSearchParams({ a: '1', b: 'x y' }),
      }),
    )
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(bodyText(request)).toBe('a=1&b=x+y')
    expect(header(request, 'content-type')).toMatch(/^application\/x-www-form-urlencoded/)
  })

  it('calls a sync body function before every attempt, so the body is re-sent', async () => {
    const key = uniqueKey('opt-body-fn')
    let calls = 0
    const es = track(
      new EventSource(scriptUrl(origin, key, endThenHang), {
        method: 'POST',
        body: () => `body-${++calls}`,
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    const log = await attempts(origin, key, { min: 2 })
    expect(log.map(bodyText)).toEqual(['body-1', 'body-2'])
    expect(calls).toBe(2)
  })

  it('awaits an async body function before every attempt', async () => {
    const key = uniqueKey('opt-body-async')
    let calls = 0
    const es = track(
      new EventSource(scriptUrl(origin, key, endThenHang), {
        method: 'POST',
        body: async () => {
          calls += 1
          await delay(10)
          return `async-${calls}`
        },
        retry: FAST,
      }),
    )
    await collect(es).waitForType('message', 2)
    expect((await attempts(origin, key, { min: 2 })).map(bodyText)).toEqual(['async-1', 'async-2'])
  })

  it('re-sends a streamed body made fresh by the function on every attempt', async (context) => {
    // Chromium's fetch sends a ReadableStream body only over HTTP/2 or QUIC; over this
    // HTTP/1.1 test server it rejects with "TypeError: Failed to fetch" before any request.
    context.skip(
      IN_BROWSER,
      "Chromium's fetch streams a request body only over HTTP/2 or QUIC, and the test server speaks HTTP/1.1 (fetch rejects before sending)",
    )
    const key = uniqueKey('opt-body-stream')
    let calls = 0
    const es = track(
      new EventSource(scriptUrl(origin, key, endThenHang), {
        method: 'POST',
        body: () => {
          calls += 1
          const text = `stream-${calls}`
          return new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(text))
              controller.close()
            },
          })
        },
        retry: FAST,
      }),
    )
    await collect(es).waitForType('message', 2)
    expect((await attempts(origin, key, { min: 2 })).map(bodyText)).toEqual(['stream-1', 'stream-2'])
  })

  it('rejects a body on a GET request at construction (TypeError)', () => {
    // fetch would reject it on every attempt; failing early names the mistake.
    expect(() => new EventSource(`${origin}/never`, { body: 'x' })).toThrow(TypeError)
    expect(() => new EventSource(`${origin}/never`, { method: 'get', body: 'x' })).toThrow(TypeError)
  })
})

describe('headers', () => {
  it('sends a headers object, an array of pairs and a Headers instance', async () => {
    const inits: Array<[string, HeadersInit]> = [
      ['object', { 'X-Token': 'abc', 'X-Other': 'o' }],
      [
        'array',
        [
          ['X-Token', 'abc'],
          ['X-Other', 'o'],
        ],
      ],
      ['Headers', new Headers({ 'X-Token': 'abc', 'X-Other': 'o' })],
    ]
    for (const [what, headers] of inits) {
      const key = uniqueKey(`opt-headers-${what}`)
      const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { headers }))
      await waitForEvent(es, 'open')
      const request = at(await attempts(origin, key, { min: 1 }), 0)
      expect([what, header(request, 'x-token'), header(request, 'x-other')]).toEqual([what, 'abc', 'o'])
      es.close()
    }
  })

  it('calls a headers function before every attempt (a token refreshed between reconnects)', async () => {
    const key = uniqueKey('opt-headers-fn')
    let token = 0
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [
          { chunks: ['data: a\n\n'] },
          { destroyBeforeHeaders: true },
          { chunks: ['data: b\n\n'], end: 'hang' },
        ]),
        { headers: () => ({ Authorization: `Bearer t${++token}` }), retry: FAST },
      ),
    )
    await collect(es).waitForType('message', 2)
    const log = await attempts(origin, key, { min: 3 })
    // Called for the network-error attempt too: each attempt is a new request.
    expect(log.map((r) => header(r, 'authorization'))).toEqual(['Bearer t1', 'Bearer t2', 'Bearer t3'])
    expect(token).toBe(3)
  })

  it('awaits an async headers function before every attempt', async () => {
    const key = uniqueKey('opt-headers-async')
    let calls = 0
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
        headers: async () => {
          calls += 1
          await delay(10)
          return [['X-Call', String(calls)]]
        },
        retry: FAST,
      }),
    )
    await collect(es).waitForType('message', 2)
    expect((await attempts(origin, key, { min: 2 })).map((r) => header(r, 'x-call'))).toEqual(['1', '2'])
  })

  it('keeps Accept and Last-Event-ID its own, whatever the user passes', async () => {
    const key = uniqueKey('opt-headers-own')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ chunks: ['id: real\ndata: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }]),
        {
          headers: { Accept: 'application/json', 'last-event-id': 'forged', 'X-Kept': 'yes' },
          retry: FAST,
        },
      ),
    )
    await collect(es).waitForType('message', 2)
    const [first, second] = await attempts(origin, key, { min: 2 })
    if (first === undefined || second === undefined) throw new Error('expected two requests')
    expect(header(first, 'accept')).toBe('text/event-stream')
    expect(headerCount(first, 'accept')).toBe(1)
    // The stream's id decides Last-Event-ID: none yet on the first request…
    expect(headerCount(first, 'last-event-id')).toBe(0)
    // …and the stream's own id, once, on the reconnect.
    expect(header(second, 'last-event-id')).toBe('real')
    expect(headerCount(second, 'last-event-id')).toBe(1)
    expect(header(second, 'accept')).toBe('text/event-stream')
    expect(header(first, 'x-kept')).toBe('yes')
  })

  it('lets the user set Cache-Control (it is only defaulted)', async () => {
    const key = uniqueKey('opt-headers-cache')
    const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { headers: { 'Cache-Control': 'max-age=0' } }))
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(header(request, 'cache-control')).toBe('max-age=0')
    expect(headerCount(request, 'cache-control')).toBe(1)
  })

  it('fails (CLOSED, no reconnect loop) when the headers function throws', async () => {
    const key = uniqueKey('opt-headers-throws')
    const boom = new Error('token store down')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), {
        headers: () => {
          throw boom
        },
        retry: FAST,
      }),
    )
    const events = collect(es)
    const error = (await events.waitForType('error')).event as EventSourceErrorEvent
    expect(es.readyState).toBe(EventSource.CLOSED)
    expect(error.willReconnect).toBe(false)
    expect(error.cause).toBe(boom)
    expect(error.message).toContain('token store down')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @2'])
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
  })
})

describe('fetch', () => {
  it('makes every attempt through the given fetch, never the global one', async () => {
    const key = uniqueKey('opt-fetch')
    const globalFetch = vi.fn((): Promise<Response> => Promise.reject(new Error('global fetch must not be used')))
    const realFetch = globalThis.fetch
    const calls: Array<{ input: string; init: RequestInit | undefined }> = []
    const myFetch: typeof fetch = (input, init) => {
      calls.push({ input: String(input instanceof Request ? input.url : input), init })
      const headers = new Headers(init?.headers)
      headers.set('X-Via', 'custom')
      return realFetch(input, { ...init, headers })
    }
    vi.stubGlobal('fetch', globalFetch)
    const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }])
    const es = track(new EventSource(url, { fetch: myFetch, retry: FAST }))
    await collect(es).waitForType('message', 2)
    expect(globalFetch).not.toHaveBeenCalled()
    // The log helper itself uses the global fetch.
    vi.unstubAllGlobals()
    expect(calls.map((c) => c.input)).toEqual([url, url])
    // Same signature as the global: the init carries method, headers and signal.
    expect(calls[0]?.init?.method).toBe('GET')
    expect(new Headers(calls[0]?.init?.headers).get('accept')).toBe('text/event-stream')
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal)
    const log = await attempts(origin, key, { min: 2 })
    expect(log.map((r) => header(r, 'x-via'))).toEqual(['custom', 'custom'])
  })

  it('treats a rejection of the custom fetch as a network error: error @CONNECTING, then a new attempt', async () => {
    const key = uniqueKey('opt-fetch-reject')
    const failure = new TypeError('offline')
    let calls = 0
    const realFetch = globalThis.fetch
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: ok\n\n'], end: 'hang' }]), {
        fetch: (input, init) => (++calls === 1 ? Promise.reject(failure) : realFetch(input, init)),
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitFor(3)
    expect(events.summary()).toEqual(['error @0', 'open @1', 'message "ok" @1'])
    expect((at(events.events, 0).event as EventSourceErrorEvent).cause).toBe(failure)
  })
})

describe('lastEventId', () => {
  it('is sent as Last-Event-ID from the first request, and readable at once', async () => {
    const key = uniqueKey('opt-leid')
    const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { lastEventId: 'resume-42' }))
    expect(es.lastEventId).toBe('resume-42')
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(header(request, 'last-event-id')).toBe('resume-42')
    expect(headerCount(request, 'last-event-id')).toBe(1)
  })

  it('is sent as UTF-8 bytes', async () => {
    const key = uniqueKey('opt-leid-utf8')
    const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { lastEventId: 'é€😀' }))
    await waitForEvent(es, 'open')
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect([...(headerBytes(request, 'last-event-id') ?? [])]).toEqual([...new TextEncoder().encode('é€😀')])
  })

  it('is kept on reconnect until the stream sends an id, which then replaces it', async () => {
    const key = uniqueKey('opt-leid-replace')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [
          { chunks: ['data: no id\n\n'] },
          { chunks: ['id: server-1\ndata: a\n\n'] },
          { chunks: ['data: c\n\n'], end: 'hang' },
        ]),
        { lastEventId: 'seed', retry: FAST },
      ),
    )
    const events = collect(es)
    await events.waitForType('message', 3)
    const log = await attempts(origin, key, { min: 3 })
    expect(log.map((r) => header(r, 'last-event-id'))).toEqual(['seed', 'seed', 'server-1'])
    // Events carry the last event ID string, seeded ones included.
    expect(events.events.filter((e) => e.type === 'message').map((e) => e.lastEventId)).toEqual([
      'seed',
      'server-1',
      'server-1',
    ])
  })

  it('an empty id from the server clears it: no Last-Event-ID on the next request', async () => {
    const key = uniqueKey('opt-leid-clear')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['id\ndata: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
        lastEventId: 'seed',
        retry: FAST,
      }),
    )
    await collect(es).waitForType('message', 2)
    const log = await attempts(origin, key, { min: 2 })
    expect(log.map((r) => headerCount(r, 'last-event-id'))).toEqual([1, 0])
  })
})

describe('a non-GET request is re-sent only when the stream gave an id', () => {
  it('POST whose stream ends without an id → fails (error @CLOSED, willReconnect false), one request', async () => {
    const key = uniqueKey('opt-post-noid')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { end: 'hang' }]), {
        method: 'POST',
        body: 'paid-for',
        retry: FAST,
      }),
    )
    const events = collect(es)
    const error = (await events.waitForType('error')).event as EventSourceErrorEvent
    expect(error.willReconnect).toBe(false)
    expect(error.reconnectDelay).toBeUndefined()
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @2'])
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('POST that gets a network error before any id → fails, one request', async () => {
    const key = uniqueKey('opt-post-neterr')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ destroyBeforeHeaders: true }, { end: 'hang' }]), {
        method: 'POST',
        body: 'x',
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @2'])
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('POST whose stream gave an id → re-sent with the same body and Last-Event-ID', async () => {
    const key = uniqueKey('opt-post-id')
    const es = track(
      new EventSource(scriptUrl(origin, key, endThenHang), {
        method: 'post',
        body: 'again',
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0', 'open @1', 'message "b" @1'])
    const log = await attempts(origin, key, { min: 2 })
    expect(log.map((r) => [r.method, bodyText(r), header(r, 'last-event-id')])).toEqual([
      ['POST', 'again', null],
      ['POST', 'again', '7'],
    ])
  })

  it('POST seeded with lastEventId counts as resumable', async () => {
    const key = uniqueKey('opt-post-seed')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
        method: 'POST',
        body: 'x',
        lastEventId: 'from-before',
        retry: FAST,
      }),
    )
    await collect(es).waitForType('message', 2)
    const log = await attempts(origin, key, { min: 2 })
    expect(log.map((r) => header(r, 'last-event-id'))).toEqual(['from-before', 'from-before'])
  })

  it('shouldRetry can re-send a POST anyway; it is told the policy alone would not', async () => {
    const key = uniqueKey('opt-post-should')
    const seen: boolean[] = []
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
        method: 'POST',
        body: 'idempotent',
        retry: {
          ...FAST,
          shouldRetry: (ctx) => {
            seen.push(ctx.willRetry)
            return true
          },
        },
      }),
    )
    await collect(es).waitForType('message', 2)
    expect(seen).toEqual([false])
    expect((await attempts(origin, key, { min: 2 })).map(bodyText)).toEqual(['idempotent', 'idempotent'])
  })
})
