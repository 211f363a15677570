// Type-level tests for issue 4, checked by `npx tsc -p tsconfig.json --noEmit`
// (tsconfig includes test/). Not a `.test.ts` file, so vitest never runs it:
// the assertions are in the types, and nothing here is ever called. A wrong
// type makes `Expect<Equal<…>>` or an `@ts-expect-error` line fail to compile.

import {
  EventSource,
  EventSourceErrorEvent,
  EventStreamError,
  fetchEvents,
  type ErrorKind,
  type EventSourceInit,
  type RequestContext,
  type RetryContext,
  type RetryDecision,
  type StreamEvent,
} from '../../src/index.js'
import { EventSource as LiteEventSource } from '../../src/lite.js'

/** True only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
/** Compiles only for `true`. */
type Expect<T extends true> = T

// Wrapped in a function that is never called: these lines must type-check,
// not run (they would open connections).
export function typeTests(): void {
  // Custom event names through the type parameter get MessageEvent<string>.
  const es = new EventSource<'token' | 'done'>('https://example.com/events')
  es.addEventListener('token', (e) => {
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
    type _data = Expect<Equal<typeof e.data, string>>
    const lastEventId: string = e.lastEventId
    void lastEventId
  })
  es.addEventListener('done', function (e) {
    // Listeners are called with the source as `this`, typed with its events.
    type _this = Expect<Equal<typeof this, EventSource<'token' | 'done'>>>
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  })
  es.removeEventListener('token', (e) => {
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  })

  // The built-in events keep their own types.
  es.addEventListener('message', (e) => {
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  })
  es.addEventListener('open', (e) => {
    type _event = Expect<Equal<typeof e, Event>>
    // @ts-expect-error — an open event has no data
    void e.data
  })
  es.addEventListener('error', (e) => {
    type _event = Expect<Equal<typeof e, EventSourceErrorEvent>>
    type _status = Expect<Equal<typeof e.status, number | undefined>>
    type _response = Expect<Equal<typeof e.response, Response | undefined>>
    type _will = Expect<Equal<typeof e.willReconnect, boolean>>
    type _delay = Expect<Equal<typeof e.reconnectDelay, number | undefined>>
    type _message = Expect<Equal<typeof e.message, string>>
    // Issue 16: a discriminant to switch on. Issue 18: the refused body, and `code` as eventsource names it.
    type _kind = Expect<Equal<typeof e.kind, ErrorKind>>
    type _kinds = Expect<Equal<ErrorKind, 'end' | 'network' | 'timeout' | 'status' | 'content-type' | 'overflow' | 'aborted'>>
    type _body = Expect<Equal<typeof e.body, string | undefined>>
    type _code = Expect<Equal<typeof e.code, number | undefined>>
    switch (e.kind) {
      case 'status':
      case 'content-type':
      case 'end':
      case 'network':
      case 'timeout':
      case 'overflow':
      case 'aborted':
        break
      default: {
        const exhaustive: never = e.kind
        void exhaustive
      }
    }
  })
  // Issue 18: the providers are told about the request they make.
  const withContext: EventSourceInit = {
    headers: (context) => {
      type _context = Expect<Equal<typeof context, RequestContext>>
      type _attempt = Expect<Equal<typeof context.attempt, number>>
      type _status = Expect<Equal<typeof context.status, number | undefined>>
      return { Authorization: `Bearer ${context.lastEventId}` }
    },
    body: async ({ attempt }) => JSON.stringify({ attempt }),
    errorBodyLimit: 1024,
  }
  void withContext
  es.onmessage = (e) => {
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  }
  es.onerror = (e) => {
    type _event = Expect<Equal<typeof e, EventSourceErrorEvent>>
  }
  // EventSourceErrorEvent is still an Event.
  const asEvent: Event = new EventSourceErrorEvent({ kind: 'network', message: 'x', willReconnect: false })
  void asEvent

  // fromReadableStream takes the type parameter too.
  const fromStream = EventSource.fromReadableStream<'token'>(new ReadableStream<Uint8Array>())
  fromStream.addEventListener('token', (e) => {
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  })
  type _lastEventId = Expect<Equal<typeof fromStream.lastEventId, string>>
  type _reconnectionTime = Expect<Equal<typeof fromStream.reconnectionTime, number>>

  // The default type parameter still accepts any event name.
  const plain = new EventSource('https://example.com/events')
  plain.addEventListener('anything', (e) => {
    void e
  })

  // Options: providers may be values, sync or async functions.
  const init: EventSourceInit = {
    method: 'POST',
    body: async () => JSON.stringify({ q: 1 }),
    headers: async () => ({ Authorization: 'Bearer t' }),
    fetch: globalThis.fetch,
    lastEventId: '42',
    retry: {
      delay: 100,
      backoff: 2,
      maxDelay: 1000,
      jitter: 0.2,
      limit: 5,
      statusCodes: [429, 503],
      shouldRetry: (ctx) => {
        type _ctx = Expect<Equal<typeof ctx, RetryContext>>
        type _attempt = Expect<Equal<typeof ctx.attempt, number>>
        type _status = Expect<Equal<typeof ctx.status, number | undefined>>
        type _response = Expect<Equal<typeof ctx.response, Response | undefined>>
        return ctx.attempt < 3 ? ctx.delay * 2 : false
      },
    },
    inactivityTimeout: 30_000,
    signal: new AbortController().signal,
    maxBufferSize: 1024,
  }
  const noRetry: EventSourceInit = { retry: false, headers: () => [['X-A', '1']], body: () => null }
  // @ts-expect-error — retry is false or an object, never true
  const badRetry: EventSourceInit = { retry: true }
  // @ts-expect-error — shouldRetry answers boolean or number, not a string
  const badDecision: EventSourceInit = { retry: { shouldRetry: () => 'yes' } }
  type _decision = Expect<Equal<RetryDecision, boolean | number>>
  // share (issue 17) from the main entry: true, or a group name.
  const shared = new EventSource('https://example.com/events', { share: true })
  const grouped = new EventSource('https://example.com/events', { share: 'prices' })
  // @ts-expect-error — a group is named by a string, not a number
  const badShare: EventSourceInit = { share: 1 }
  type _share = Expect<Equal<EventSourceInit['share'], boolean | string | undefined>>
  // transport (issue 21): 'auto' (the default) or 'fetch'; a `fetch` option is the other way.
  const onFetch = new EventSource('https://example.com/events', { transport: 'fetch' })
  // @ts-expect-error — the Node transport is the default on Node, not a value to ask for
  const badTransport: EventSourceInit = { transport: 'node' }
  type _transport = Expect<Equal<EventSourceInit['transport'], 'auto' | 'fetch' | undefined>>
  void [init, noRetry, badRetry, badDecision, shared, grouped, badShare, onFetch, badTransport]

  // fetchEvents yields StreamEvent and takes the same init.
  void (async () => {
    for await (const event of fetchEvents('https://example.com/chat', init)) {
      type _event = Expect<Equal<typeof event, StreamEvent>>
      type _fields = Expect<Equal<StreamEvent, { type: string; data: string; lastEventId: string }>>
    }
  })().catch((error: unknown) => {
    if (error instanceof EventStreamError) {
      type _status = Expect<Equal<typeof error.status, number | undefined>>
      type _response = Expect<Equal<typeof error.response, Response | undefined>>
      type _kind = Expect<Equal<typeof error.kind, ErrorKind>>
      type _body = Expect<Equal<typeof error.body, string | undefined>>
    }
  })
}

// eventsource-kit/lite: the same typed listeners, the browser's options only.
export function liteTypeTests(): void {
  const es = new LiteEventSource<'token'>('https://example.com/events', { withCredentials: true })
  es.addEventListener('token', function (e) {
    type _this = Expect<Equal<typeof this, LiteEventSource<'token'>>>
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  })
  es.addEventListener('message', (e) => {
    type _event = Expect<Equal<typeof e, MessageEvent<string>>>
  })
  // Its error events are plain Events, as in browsers: no reasons attached.
  es.addEventListener('error', (e) => {
    type _event = Expect<Equal<typeof e, Event>>
  })
  es.onerror = (e) => {
    type _event = Expect<Equal<typeof e, Event>>
  }
  // Any other type still takes a plain listener.
  es.addEventListener('other', (e: Event) => void e)
  const state: 0 | 1 | 2 = es.readyState
  const closed: 2 = LiteEventSource.CLOSED
  void [state, closed]
  // @ts-expect-error the lite class has no request options
  void new LiteEventSource('https://example.com/events', { headers: { Authorization: 'Bearer x' } })
  // @ts-expect-error nor fromReadableStream()
  void LiteEventSource.fromReadableStream
}
