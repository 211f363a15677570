// Issue 18, errors a user can act on: the body of a response that is not an event stream
// (an LLM API's `401 {"error":{"message":…}}`) on `EventSourceErrorEvent.body` and
// `EventStreamError.body`, bounded in characters and time; what a broken server or a broken
// `headers` function yields; `code` for code written for the `eventsource` package. Portable.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource, EventSourceErrorEvent, EventStreamError, fetchEvents } from '../src/index.js'
import { thrown } from './support/thrown.js'
import { attempts, type Chunk, closeAll, collect, scriptUrl, track, uniqueKey } from './support/script.js'

const origin = inject('sseOrigin')

afterEach(closeAll)

const OPENAI_401 = '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}'

async function firstError(url: string, init: ConstructorParameters<typeof EventSource>[1] = {}): Promise<EventSourceErrorEvent> {
  const es = track(new EventSource(url, init))
  return (await collect(es, ['error']).waitForType('error', 1, 15_000)).event as EventSourceErrorEvent
}


const json401 = (key: string, chunks: Chunk[] = [OPENAI_401]): string =>
  scriptUrl(origin, uniqueKey(key), [{ status: 401, headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' }, chunks }])

describe('the body of a refused response', () => {
  it('EventSource: a 401 from an OpenAI-style API carries its JSON message in body, and code is the status', async () => {
    const event = await firstError(json401('body-401'))
    expect(event.kind).toBe('status')
    expect(event.body).toBe(OPENAI_401)
    expect(JSON.parse(event.body as string).error.message).toBe('Incorrect API key provided')
    expect(event.code).toBe(401)
    expect(event.status).toBe(401)
    expect(event.response?.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('fetchEvents(): the same body on EventStreamError, and a message that names fetchEvents()', async () => {
    const error = await thrown(json401('body-401-fe'))
    expect(error.body).toBe(OPENAI_401)
    expect(error.message).toBe('fetchEvents() response has status 401 Unauthorized, expected 200')
  })

  it('a 200 of the wrong type: its body too', async () => {
    const url = scriptUrl(origin, uniqueKey('body-html'), [{ headers: { 'Content-Type': 'text/html' }, chunks: ['<h1>Login</h1>'] }])
    const event = await firstError(url)
    expect(event.kind).toBe('content-type')
    expect(event.body).toBe('<h1>Login</h1>')
  })

  it('a body split across writes, with a multibyte character cut in two, arrives whole', async () => {
    const event = await firstError(json401('body-split', ['{"m":"caf', { hex: 'c3' }, { delay: 20 }, { hex: 'a9' }, '"}']))
    expect(event.body).toBe('{"m":"café"}')
  })

  it('an error response with no body: body is the empty string', async () => {
    const event = await firstError(scriptUrl(origin, uniqueKey('body-none'), [{ status: 404 }]))
    expect(event.body).toBe('')
  })

  it('no response at all: body is undefined', async () => {
    const event = await firstError(`${inject('sseRefusedOrigin')}/x`, { retry: false })
    expect(event.body).toBeUndefined()
  })

  it('invalid UTF-8 in a bogus charset becomes U+FFFD, as everywhere else', async () => {
    const url = scriptUrl(origin, uniqueKey('body-charset'), [
      { status: 500, headers: { 'Content-Type': 'text/plain; charset=x-bogus' }, chunks: ['a', { hex: 'ff fe' }, 'b'] },
    ])
    const event = await firstError(url)
    expect(event.body).toBe('a\uFFFD\uFFFDb')
  })

  it('errorBodyLimit: 10 keeps the first 10 characters; 0 reads nothing', async () => {
    expect((await firstError(json401('body-limit'), { errorBodyLimit: 10 })).body).toBe(OPENAI_401.slice(0, 10))
    expect((await firstError(json401('body-zero'), { errorBodyLimit: 0 })).body).toBe('')
  })

  it('a bad errorBodyLimit throws at construction', () => {
    expect(() => new EventSource(`${origin}/x`, { errorBodyLimit: -1 })).toThrow(TypeError)
  })
})

describe('hostile error bodies: bounded memory and time', () => {
  it('a 401 whose body is 1 GiB: the first 64 Ki characters, the rest cancelled (the server wrote a small part)', async () => {
    const key = uniqueKey('body-huge')
    const url = scriptUrl(origin, key, [{ status: 401, headers: { 'Content-Type': 'text/plain' }, chunks: [{ repeat: 'x'.repeat(1024), times: 1_048_576 }] }])
    const started = performance.now()
    const event = await firstError(url)
    expect(event.body?.length).toBe(64 * 1024)
    expect(performance.now() - started).toBeLessThan(10_000)
    const [request] = await attempts(origin, key, { min: 1, closed: 1 })
    expect(request?.closedByClient).toBe(true)
    expect(request?.bytesWritten ?? 0).toBeLessThan(64 * 1024 * 1024)
  })

  it('a body that never ends: the error comes after about 3 s with what arrived', async () => {
    const url = scriptUrl(origin, uniqueKey('body-endless'), [{ status: 502, headers: { 'Content-Type': 'text/html' }, chunks: ['<p>Bad gateway'], end: 'hang' }])
    const started = performance.now()
    const event = await firstError(url)
    const waited = performance.now() - started
    expect(event.body).toBe('<p>Bad gateway')
    expect(waited).toBeGreaterThan(2_500)
    expect(waited).toBeLessThan(8_000)
  })

  it('a body that never ends, with inactivityTimeout: the error comes within that timeout instead', async () => {
    const url = scriptUrl(origin, uniqueKey('body-endless-timeout'), [{ status: 401, headers: { 'Content-Type': 'text/plain' }, chunks: ['expired'], end: 'hang' }])
    const started = performance.now()
    const event = await firstError(url, { inactivityTimeout: 300 })
    expect(event.kind).toBe('status')
    expect(event.body).toBe('expired')
    expect(performance.now() - started).toBeLessThan(2_500)
  })
})

describe('a headers function that throws or returns garbage: a defined failure, no unhandled rejection', () => {
  const cases: Array<[string, () => unknown]> = [
    ['throws', () => {
      throw new Error('no token in the vault')
    }],
    ['rejects', () => Promise.reject(new Error('vault unreachable'))],
    ['returns a number', () => 42],
    ['returns a value with a newline', () => ({ Authorization: 'Bearer a\nInjected: yes' })],
  ]
  for (const [what, headers] of cases) {
    it(`${what}: error kind network, willReconnect false, a message that says the request could not be built`, async () => {
      const key = uniqueKey('headers-garbage')
      const es = track(new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }]), { headers: headers as () => HeadersInit }))
      const event = (await collect(es, ['error']).waitForType('error')).event as EventSourceErrorEvent
      expect(event.kind).toBe('network')
      expect(event.willReconnect).toBe(false)
      expect(event.message).toMatch(/^Cannot build the request: /)
      expect(es.readyState).toBe(EventSource.CLOSED)
    })
  }
})

describe('a token that expires while streaming (the README recipe)', () => {
  it('the 401 is retried at once with a refreshed token and Last-Event-ID: nothing lost, one refresh per expiry', async () => {
    const key = uniqueKey('token-expiry')
    const url = scriptUrl(origin, key, {
      attempts: [
        { chunks: ['id: 1\ndata: a\n\n', 'id: 2\ndata: b\n\n'] },
        { status: 401, headers: { 'Content-Type': 'application/json' }, chunks: ['{"error":{"message":"token expired"}}'] },
        { chunks: ['id: 3\ndata: c\n\n', 'id: 4\ndata: d\n\n'] },
        { status: 401, headers: { 'Content-Type': 'application/json' }, chunks: ['{"error":{"message":"token expired"}}'] },
      ],
      then: { chunks: ['id: 5\ndata: e\n\n'], end: 'hang' },
    })
    let token = 0
    const refreshes: number[] = []
    const es = track(
      new EventSource(url, {
        headers: ({ status, attempt }) => {
          if (status === 401) {
            token++
            refreshes.push(attempt)
          }
          return { Authorization: `Bearer token-${token}` }
        },
        retry: { delay: 200, statusCodes: [401] },
      }),
    )
    const recorder = collect(es, ['message', 'error'])
    await recorder.waitFor(5 + 4, 15_000)
    const messages = recorder.events.filter((r) => r.type === 'message').map((r) => r.data)
    expect(messages).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(refreshes).toEqual([3, 5])
    const log = await attempts(origin, key, { min: 5 })
    expect(log.map((r) => [r.attempt, r.rawHeaders.find(([n]) => n.toLowerCase() === 'authorization')?.[1]])).toHaveLength(5)
    const auth = (i: number): string | undefined => {
      const entry = log[i]?.rawHeaders.find(([n]) => n.toLowerCase() === 'authorization')
      return entry === undefined ? undefined : atob(entry[1])
    }
    const lastId = (i: number): string | undefined => {
      const entry = log[i]?.rawHeaders.find(([n]) => n.toLowerCase() === 'last-event-id')
      return entry === undefined ? undefined : atob(entry[1])
    }
    expect([auth(0), auth(1), auth(2), auth(3), auth(4)]).toEqual(['Bearer token-0', 'Bearer token-0', 'Bearer token-1', 'Bearer token-1', 'Bearer token-2'])
    expect([lastId(1), lastId(2), lastId(3), lastId(4)]).toEqual(['2', '2', '4', '4'])
    // The refresh goes out at once after the 401; the end of a stream waits the reconnection time.
    const gap = (i: number): number => (log[i]?.receivedAt ?? 0) - (log[i - 1]?.closedAt ?? 0)
    expect(gap(1)).toBeGreaterThan(150)
    expect(gap(2)).toBeLessThan(150)
    const errors = recorder.events.filter((r) => r.type === 'error').map((r) => (r.event as EventSourceErrorEvent).reconnectDelay)
    expect(errors).toEqual([200, 0, 200, 0])
  })

  it('a refresh that keeps failing waits the policy’s delay after the first quick retry', async () => {
    const key = uniqueKey('token-loop')
    const url = scriptUrl(origin, key, { attempts: [{ chunks: ['id: 1\ndata: a\n\n'] }], then: { status: 401 } })
    const es = track(new EventSource(url, { retry: { delay: 100, backoff: 2, statusCodes: [401], limit: 3 } }))
    const recorder = collect(es, ['error'])
    await recorder.waitForType('error', 4, 10_000)
    const delays = recorder.events.map((r) => (r.event as EventSourceErrorEvent).reconnectDelay)
    // The end (100), the first 401 right after a success (0), then the policy's backoff.
    expect(delays).toEqual([100, 0, 200, undefined])
  })
})

describe('drop-in for the eventsource package', () => {
  it('the class says it takes a fetch override, non-enumerably, as that package does', () => {
    const symbol = Symbol.for('eventsource.supports-fetch-override')
    const descriptor = Object.getOwnPropertyDescriptor(EventSource, symbol)
    expect(descriptor).toMatchObject({ value: true, enumerable: false, writable: false })
    expect(Object.keys(EventSource)).not.toContain(symbol)
  })

  it('an SDK that checks the symbol and passes headers through fetch sends them', async () => {
    // What the MCP and A2A client SDKs do with the EventSource implementation they are given.
    function connect(Impl: typeof EventSource, url: string, token: string): EventSource {
      const supportsFetch = (Impl as unknown as Record<symbol, unknown>)[Symbol.for('eventsource.supports-fetch-override')] === true
      if (!supportsFetch) return new Impl(url)
      return new Impl(url, {
        fetch: (input, init) => {
          const headers = new Headers(init?.headers)
          headers.set('Authorization', `Bearer ${token}`)
          return fetch(input, { ...init, headers })
        },
      })
    }
    const key = uniqueKey('sdk-fetch')
    const es = track(connect(EventSource, scriptUrl(origin, key, [{ chunks: ['data: hello\n\n'], end: 'hang' }]), 'sdk-token'))
    const recorded = await collect(es, ['message']).waitForType('message')
    expect(recorded.data).toBe('hello')
    const [request] = await attempts(origin, key, { min: 1 })
    const auth = request?.rawHeaders.find(([n]) => n.toLowerCase() === 'authorization')
    expect(auth === undefined ? undefined : atob(auth[1])).toBe('Bearer sdk-token')
    // The stream's own headers are still there under the SDK's.
    const accept = request?.rawHeaders.find(([n]) => n.toLowerCase() === 'accept')
    expect(accept === undefined ? undefined : atob(accept[1])).toBe('text/event-stream')
  })
})
