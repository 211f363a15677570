/**
 * The `EventSource` interface of the HTML Standard §9.2.2, on `fetch`.
 *
 * With no options beyond `withCredentials` it behaves as the browser's own
 * `EventSource`, event for event; the processing model lives in
 * {@link Connection}. The other options add what browsers never had, each
 * off (or spec-equivalent) by default.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
import type { ConnectionError } from './connection.js'
import { connect, type SourceConnection } from './connect.js' // issue 17: share, lifecycle
import { resolveConnectionOptions } from './connection-options.js'
import { EventTargetSink } from './dom-sink.js'
import { errorInit, EventSourceErrorEvent } from './errors.js'
import type { EventHandler } from './event-handler.js'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state.js'
import type { Provider, RequestContext } from './request.js'
import { resolveRetryPolicy, type RetryOptions } from './retry.js'
import { parseEventSourceUrl } from './url.js'
import { callHandlersOnce } from './once-handlers.js'
import { defineEventSourceInterface } from './webidl.js'

/**
 * The options of the `EventSource` constructor and of `fetchEvents()`. Only
 * `withCredentials` exists in browsers; everything else is ours, and leaving
 * it out keeps the browser's behaviour.
 */
export interface EventSourceInit {
  /** Send cookies and HTTP auth to other origins too (credentials mode "include"). Default false. */
  withCredentials?: boolean
  /** The request method. Default `GET`. */
  method?: string
  /**
   * The request body, or a function giving it, called before every attempt
   * (with the {@link RequestContext}) so it can be re-sent. A request other
   * than GET is re-sent only once the stream gave an id to resume from, or
   * when `retry.shouldRetry` says so: an LLM POST is never paid for twice.
   */
  body?: Provider<BodyInit | null>
  /**
   * Request headers, or a function giving them (sync or async), called before
   * every attempt with the {@link RequestContext}, so a token can be refreshed
   * between reconnects, and at once after a 401 when `retry.statusCodes`
   * names it. `Accept` and `Last-Event-ID` stay ours.
   *
   * @example
   * ```ts
   * headers: async ({ status }) => ({ Authorization: `Bearer ${await token({ refresh: status === 401 })}` })
   * ```
   */
  headers?: Provider<HeadersInit>
  /**
   * The `fetch` to use; it always wins over `transport`. Default: see
   * `transport`.
   */
  fetch?: typeof fetch
  /**
   * What requests go through when no `fetch` is given. `'auto'`: on Node,
   * the package's Node transport (`node:http`, `node:https`, HTTP/2 when the
   * server offers it), unless `globalThis.fetch` was replaced (msw, nock, a
   * polyfill), which is then used; everywhere else (browsers, Deno, Bun,
   * workers) the global `fetch`, looked up at each attempt. `'fetch'`: the
   * global `fetch` on Node too.
   *
   * @example
   * ```ts
   * new EventSource(url, { transport: 'fetch' }) // on Node too: Node's own fetch (undici)
   * ```
   * @defaultValue 'auto'
   */
  transport?: 'auto' | 'fetch'
  /** The initial last event ID, sent as `Last-Event-ID` from the first request. Default ''. */
  lastEventId?: string
  /** Reconnection settings, or `false` never to reconnect. Default: the browser's (3000 ms, forever). */
  retry?: RetryOptions | false
  /**
   * Milliseconds with no bytes at all (comments count) before the connection
   * is treated as a network error and reestablished. Covers the wait for
   * response headers. Default 0: off.
   */
  inactivityTimeout?: number
  /**
   * Aborting it is `close()`. `fetchEvents()` without `inactivityTimeout`
   * hands it to `fetch` too (instead of a controller of its own, which would
   * cost every open stream several hundred bytes), so `fetch` listens to it
   * until that request is garbage-collected, as after any
   * `fetch(url, { signal })`.
   */
  signal?: AbortSignal
  /**
   * The most characters an unfinished line or event may hold; beyond it the
   * stream counts as broken (an `error`, then a reconnect). Default 16 Mi.
   */
  maxBufferSize?: number
  /**
   * How many characters of a response that is not an event stream (a 401's
   * JSON, a 502's HTML) to read into the error's `body` before cancelling the
   * rest; within `inactivityTimeout`, or 3 s when that is off. Default 64 Ki;
   * 0 reads nothing.
   */
  errorBodyLimit?: number
  /**
   * `EventSource` only (issue 17): share one network connection with the
   * sources of every tab of this origin that have the same URL,
   * `withCredentials` and `share` value (`true`, or a string naming a
   * group). One tab holds it and, when that tab goes, another takes over,
   * resuming with `Last-Event-ID`. Function options run in the tab holding
   * it. The sharing code is loaded by `import()` with the first such source;
   * until it is in, the source is CONNECTING. Without Web Locks or
   * `BroadcastChannel` (Node 22, Bun, old browsers), or if that code cannot
   * be loaded: an ordinary connection. Not in `eventsource-kit/lite`.
   * Default false.
   *
   * @example
   * ```ts
   * import { EventSource } from 'eventsource-kit'
   * const source = new EventSource('/events', { share: true })
   * ```
   */
  share?: boolean | string
  /**
   * `EventSource` only (issue 17). After the document has been hidden this
   * many ms, close the connection quietly (no `error`); when it is visible
   * again, reconnect with `Last-Event-ID`. Not with `share`. Default 0: off
   * (the spec keeps streams open in hidden tabs).
   */
  pauseWhenHidden?: number
}

/** The events an {@link EventSource} fires besides custom ones. */
export interface EventSourceEventMap {
  open: Event
  message: MessageEvent<string>
  error: EventSourceErrorEvent
}

// `fromReadableStream()` passes its stream to the constructor under this key,
// which no user can spell.
const fromStream = Symbol('stream')
interface InternalInit extends EventSourceInit {
  [fromStream]?: ReadableStream<Uint8Array>
}

// The URL of an EventSource made from a stream (whatwg/html PR #12272).
const STREAM_URL = 'about:event-stream'

/**
 * A Server-Sent Events client: the WHATWG `EventSource`, for every runtime.
 *
 * The type parameter names the custom event types the server sends, so their
 * listeners get a `MessageEvent<string>`.
 *
 * @example
 * ```ts
 * import { EventSource } from 'eventsource-kit'
 *
 * const source = new EventSource<'update'>('https://example.com/events')
 * source.onmessage = (event) => console.log(event.data, event.lastEventId)
 * source.addEventListener('update', (event) => console.log('update', event.data))
 * source.onerror = (event) => {
 *   if (source.readyState === EventSource.CLOSED) console.log('gave up:', event.message)
 * }
 * ```
 */
export class EventSource<Events extends string = string> extends EventTarget {
  // The constants, like the on* accessors below, are defined once by
  // defineEventSourceInterface() (webidl.ts), as WebIDL shapes them: on the
  // class and its prototype, enumerable, not writable. Here are their types.
  /** The connection has not yet been established, or it was closed and is reconnecting. */
  declare static readonly CONNECTING: typeof CONNECTING
  /** The connection is open and dispatching events. */
  declare static readonly OPEN: typeof OPEN
  /** The connection is not open, and will not reconnect. */
  declare static readonly CLOSED: typeof CLOSED
  declare readonly CONNECTING: typeof CONNECTING
  declare readonly OPEN: typeof OPEN
  declare readonly CLOSED: typeof CLOSED

  readonly #url: string
  readonly #withCredentials: boolean
  /** With `share`, replaced once the sharing code is loaded (connect.ts). */
  #connection: SourceConnection
  readonly #sink: EventSink

  /**
   * Opens a connection at once (§9.2.2).
   *
   * @param url - absolute, or relative to `location` where the runtime has one
   * @param init - `withCredentials`, and this library's options
   * @throws DOMException `SyntaxError` when `url` does not parse
   * @throws TypeError for a header value or `lastEventId` with CR, LF or NUL
   */
  constructor(url: string | URL, init: EventSourceInit = {}) {
    // WebIDL: the URL argument is required; `new EventSource()` is a TypeError.
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.")
    }
    super()
    const options: InternalInit = init ?? {}
    const stream = options[fromStream]
    // Steps 3–5: parse, or throw a SyntaxError.
    const urlRecord = stream === undefined ? parseEventSourceUrl(url) : new URL(STREAM_URL)
    this.#url = urlRecord.href
    // Steps 6–13: the request, and this library's options.
    const connectionOptions = resolveConnectionOptions(urlRecord, options, false)
    if (stream !== undefined) {
      // A stream has no request to repeat: its end or error fails the source.
      connectionOptions.fetch = () =>
        Promise.resolve(new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } }))
      connectionOptions.retry = resolveRetryPolicy(false)
    }
    this.#withCredentials = connectionOptions.withCredentials
    this.#sink = new EventSink(this)
    this.#connection = connect(connectionOptions, this.#sink, options.share, options.pauseWhenHidden, (connection) =>
      (this.#connection = connection).start(),
    ) // issue 17

    const signal = options.signal
    if (signal?.aborted) {
      this.#connection.close()
      return
    }
    if (signal !== undefined) {
      const onAbort = (): void => this.close()
      signal.addEventListener('abort', onAbort, { once: true })
      // Dropped when the source closes for any reason, so a long-lived
      // signal does not keep closed sources alive.
      this.#sink.removeAbortListener = () => signal.removeEventListener('abort', onAbort)
    }
    // Step 15: "Fetch request".
    this.#connection.start()
  }

  /**
   * An `EventSource` that parses a stream you already have (a `fetch`
   * response body, a file), as proposed in whatwg/html PR #12272: no request,
   * no reconnect; its `url` is `about:event-stream` and events' `origin` is
   * `"null"`. The end of the stream, or an error in it, fires `error` and
   * leaves it CLOSED.
   *
   * @example
   * ```ts
   * const response = await fetch('/chat', { method: 'POST', body })
   * const source = EventSource.fromReadableStream(response.body!)
   * source.onmessage = (event) => render(event.data)
   * ```
   * @throws TypeError when the stream is locked (already being read)
   */
  static fromReadableStream<Events extends string = string>(stream: ReadableStream<Uint8Array>): EventSource<Events> {
    if (!(stream instanceof ReadableStream)) throw new TypeError('fromReadableStream() needs a ReadableStream')
    if (stream.locked) throw new TypeError('fromReadableStream() needs an unlocked ReadableStream')
    const init: InternalInit = { [fromStream]: stream }
    return new EventSource<Events>(STREAM_URL, init)
  }

  /** The absolute URL of the event source, as given to the constructor. */
  get url(): string {
    return this.#url
  }

  /** Whether the constructor was called with `withCredentials: true`. */
  get withCredentials(): boolean {
    return this.#withCredentials
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): ReadyState {
    return this.#connection.readyState
  }

  /** The last event ID string: sent as `Last-Event-ID` on reconnect (whatwg/html PR #12272). */
  get lastEventId(): string {
    return this.#connection.lastEventId
  }

  /** The reconnection time in ms, as the server's `retry:` last set it (whatwg/html PR #12272). */
  get reconnectionTime(): number {
    return this.#connection.reconnectionTime
  }

  // The event handler attributes are accessors that defineEventSourceInterface()
  // puts on the prototype (webidl.ts); here are their types.
  /** Runs for every `open` event, in listener order. */
  declare onopen: EventHandler<Event>
  /** Runs for every `message` event (events without an `event:` field). */
  declare onmessage: EventHandler<MessageEvent<string>>
  /** Runs for every `error` event: while reconnecting (CONNECTING) and on failure (CLOSED). */
  declare onerror: EventHandler<EventSourceErrorEvent>

  /** Aborts the connection and any reconnect; no event of any kind follows. */
  close(): void {
    this.#connection.close()
    this.#sink.removeAbortListener?.()
  }
}

// Typed listeners for the three events and the custom types, declared rather
// than overridden, so the bundle carries no code for a type.
export interface EventSource<Events extends string = string> {
  addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: ((this: EventSource<Events>, event: EventSourceEventMap[K]) => unknown) | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  addEventListener(
    type: Events,
    listener: ((this: EventSource<Events>, event: MessageEvent<string>) => unknown) | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void
  removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: ((this: EventSource<Events>, event: EventSourceEventMap[K]) => unknown) | null,
    options?: boolean | EventListenerOptions,
  ): void
  removeEventListener(
    type: Events,
    listener: ((this: EventSource<Events>, event: MessageEvent<string>) => unknown) | null,
    options?: boolean | EventListenerOptions,
  ): void
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void
}

/**
 * The connection's events as DOM events, with the reasons this class's
 * `error` events carry; it also forgets the `signal` option once the source
 * has closed for good.
 */
class EventSink extends EventTargetSink {
  /** Forgets the `signal` option's listener; set when there is one. */
  removeAbortListener: (() => void) | undefined

  protected override errorEvent(error: ConnectionError): Event {
    // A closed source no longer listens to its signal, so a long-lived
    // signal does not keep it alive.
    if (!error.willReconnect) this.removeAbortListener?.()
    // Reestablish/fail: "fire an event named error"; ours carries why.
    return new EventSourceErrorEvent(errorInit(error, 'EventSource'))
  }
}

defineEventSourceInterface(EventSource)
callHandlersOnce(EventSource.prototype, ['open', 'message', 'error'])

// Libraries that take an EventSource implementation (the MCP and A2A client
// SDKs among them) pass their headers through a `fetch` option only to a
// class that says it takes one, the way the `eventsource` package says so.
Object.defineProperty(EventSource, Symbol.for('eventsource.supports-fetch-override'), {
  value: true,
  writable: false,
  configurable: false,
  enumerable: false,
})
