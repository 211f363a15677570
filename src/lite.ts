/**
 * `eventsource-kit/lite`: the browser's `EventSource` and nothing more, for
 * pages and polyfills where every kilobyte counts (bench/README.md has its
 * size against the full class's).
 *
 * Same processing model and the same shared stages as `eventsource-kit`
 * (streaming decode, eventsource-parser, `MessageEvent`s, event handler
 * attributes), and it passes the same ported web-platform-tests. What it
 * leaves out is everything the browser never had: request options (method,
 * headers, body, `fetch`), the retry policy (it waits the server's `retry:`
 * time and reconnects forever, as browsers do), the inactivity watchdog,
 * `signal`, `fromReadableStream()`, and the reasons on `error` events, which
 * are plain `Event`s as in browsers. It keeps the bounded buffer: a line or
 * event of more than 16 Mi characters breaks the stream (an `error`, then a
 * reconnect), so a hostile server cannot exhaust memory.
 *
 * Its attempt is the processing model of connection.ts with nothing passed
 * in, written out as one small loop: every stage is shared (the spec's
 * request, the decoder and parser, the MIME and scheme checks, the dispatch
 * of a chunk's events), but running connection.ts itself, which carries the
 * hooks for request options, retry policy, watchdog and lifecycle, would
 * take it past its 4.0 kB budget (measured in bench/README.md). The spec's
 * steps are quoted in connection.ts; here only where the code needs a why.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
import type { EventSourceMessage } from 'eventsource-parser'
import type { EventHandler } from './event-handler.js'
import { createEventStreamDecoder } from './event-stream.js'
import { SourceMessageEvent } from './message-event.js'
import { isEventStream } from './mime.js'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state.js'
import { streamRequest } from './request.js'
import { DEFAULT_RETRY_DELAY, MAX_TIMER_DELAY } from './retry.js'
import { dispatchEach } from './dom-sink.js'
import { isFetchableScheme, parseEventSourceUrl } from './url.js'
import { defineEventSourceInterface } from './webidl.js'
import { ignore } from './ignore.js'

/** What an attempt leads to (§9.2.3), as the readyState: reestablish (CONNECTING) or fail (CLOSED). */
type Next = typeof CONNECTING | typeof CLOSED

/** The options of the lite constructor: the browser's only one. */
export interface EventSourceInit {
  /** Send cookies and HTTP auth to other origins too (credentials mode "include"). Default false. */
  withCredentials?: boolean
}

/** The events a lite {@link EventSource} fires besides custom ones. */
export interface EventSourceEventMap {
  open: Event
  message: MessageEvent<string>
  error: Event
}

/**
 * The WHATWG `EventSource`, on `fetch`, for every runtime, and small.
 *
 * @example
 * ```ts
 * import { EventSource } from 'eventsource-kit/lite'
 *
 * const source = new EventSource('https://example.com/events')
 * source.onmessage = (event) => console.log(event.data, event.lastEventId)
 * source.addEventListener('update', (event) => console.log('update', event.data))
 * source.onerror = () => {
 *   if (source.readyState === EventSource.CLOSED) console.log('the server refused the stream')
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
  #readyState: ReadyState = CONNECTING
  /** The last event ID string, sent as `Last-Event-ID` on reconnect. */
  #lastEventId = ''
  /** The reconnection time in ms: the spec's initial 3 s until `retry:` sets it. */
  #reconnectionTime = DEFAULT_RETRY_DELAY
  /** Where attempts go: the URL, or the final URL of the last redirect. */
  #requestUrl: string
  /** Aborts the current attempt's fetch and body; only close() aborts it. */
  #controller: AbortController | undefined
  /** The body being read, which close() also cancels. */
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined

  /**
   * Opens a connection at once (§9.2.2).
   *
   * @param url - absolute, or relative to `location` where the runtime has one
   * @param init - `withCredentials`
   * @throws DOMException `SyntaxError` when `url` does not parse
   */
  // The default keeps `EventSource.length` at 1, as WebIDL's optional argument does.
  constructor(url: string | URL, init: EventSourceInit = {}) {
    // WebIDL: the URL argument is required; `new EventSource()` is a TypeError.
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.")
    }
    super()
    // Steps 3–5: parse, or throw a SyntaxError.
    this.#url = this.#requestUrl = parseEventSourceUrl(url).href
    // Step 7: credentials mode "include" only when the member is true; a
    // null init is an empty dictionary (WebIDL).
    this.#withCredentials = Boolean((init as EventSourceInit | null)?.withCredentials)
    // Step 15: "Fetch request".
    this.#connect()
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
    return this.#readyState
  }

  // The event handler attributes are accessors that defineEventSourceInterface()
  // puts on the prototype (webidl.ts); here are their types.
  /** Runs for every `open` event, in listener order. */
  declare onopen: EventHandler<Event>
  /** Runs for every `message` event (events without an `event:` field). */
  declare onmessage: EventHandler<MessageEvent<string>>
  /** Runs for every `error` event: while reconnecting (CONNECTING) and on failure (CLOSED). */
  declare onerror: EventHandler<Event>

  /** Aborts the connection and any reconnect; no event of any kind follows. */
  close(): void {
    // close() (connection.ts quotes each step this file follows).
    this.#readyState = CLOSED
    clearTimeout(this.#reconnectTimer)
    this.#controller?.abort()
    // Aborting the fetch errors its body in every runtime; the cancel also
    // frees a body whose stream ignores the signal.
    void this.#reader?.cancel().catch(ignore)
  }

  /** One attempt: fetch, then read the body until it ends, breaks or close() aborts it. */
  #connect(): void {
    const controller = new AbortController()
    this.#controller = controller
    // Only a bug could throw past #attempt; fail rather than stay CONNECTING.
    this.#attempt(controller.signal).then(
      (outcome) => {
        if (outcome !== undefined) this.#end(outcome)
      },
      () => this.#end(CLOSED),
    )
  }

  /**
   * Resolves to what §9.2.3 does next, as the readyState it leaves:
   * CONNECTING to reestablish the connection, CLOSED to fail it; or
   * `undefined` when close() aborted the attempt and nothing of it may surface.
   */
  async #attempt(signal: AbortSignal): Promise<Next | undefined> {
    let response: Response
    try {
      const init = streamRequest(this.#withCredentials, this.#lastEventId)
      init.signal = signal
      response = await fetch(this.#requestUrl, init)
    } catch {
      if (signal.aborted) return undefined
      // A network error reestablishes, except where Chromium knows it futile (url.ts).
      return isFetchableScheme(this.#requestUrl) ? CONNECTING : CLOSED
    }
    const body = response.body
    // Closed meanwhile: nothing surfaces. Not an event stream: fail.
    if (signal.aborted || response.status !== 200 || !isEventStream(response.headers.get('content-type'))) {
      void body?.cancel().catch(ignore)
      return signal.aborted ? undefined : CLOSED
    }
    // A reconnect goes to the final URL of the redirects, and events carry its origin.
    if (response.url !== '') this.#requestUrl = response.url
    // Announce: OPEN, then `open`.
    this.#readyState = OPEN
    this.dispatchEvent(new Event('open'))
    // An `open` listener may have called close().
    if (signal.aborted || body === null) {
      void body?.cancel().catch(ignore)
      return signal.aborted ? undefined : CONNECTING
    }
    return this.#read(body.getReader(), signal)
  }

  /**
   * "interpret res's body line by line": decode, parse, dispatch. The end of
   * the body, a network error while reading it, or a line past the buffer
   * bound all reestablish the connection.
   */
  async #read(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal): Promise<typeof CONNECTING | undefined> {
    const origin = new URL(this.#requestUrl).origin
    // The parser reports events while a chunk is pushed; they are dispatched
    // after it, each paired with the last event ID of its own block.
    const pending: Array<EventSourceMessage | string> = []
    let overflow: Error | undefined
    const decoder = createEventStreamDecoder(
      {
        onEvent: (message) => void pending.push(message, this.#lastEventId),
        onId: (id) => void (this.#lastEventId = id),
        onRetry: (milliseconds) => void (this.#reconnectionTime = Math.min(milliseconds, MAX_TIMER_DELAY)),
        onOverflow: (error) => void (overflow = error),
      },
    )
    this.#reader = reader
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch {
        return signal.aborted ? undefined : CONNECTING
      }
      // The end of the body: the decoder drops the unfinished event.
      if (chunk.done) return CONNECTING
      decoder.push(chunk.value)
      // Dispatch step 8, a task per event (task-per-event.ts).
      // When all went out at once it returns `undefined`: one tick, no promise.
      await dispatchEach(pending.length / 2, (index) => {
        // A listener may have called close().
        if (signal.aborted) return false
        const message = pending[2 * index] as EventSourceMessage
        this.dispatchEvent(new SourceMessageEvent(message.event ?? 'message', message.data, origin, pending[2 * index + 1] as string))
        return true
      })
      pending.length = 0
      if (signal.aborted) return undefined
      if (overflow !== undefined) {
        void reader.cancel(overflow).catch(ignore)
        return CONNECTING
      }
    }
  }

  /**
   * Reestablish or fail the connection (§9.2.3). Both begin with "queue a
   * task", so the listeners of the last event, and their microtasks, are done
   * before `error` fires.
   */
  #end(next: Next): void {
    setTimeout(() => {
      // Reestablish step 1.1 and fail: nothing once the readyState is CLOSED.
      if (this.#readyState === CLOSED) return
      // Fail (CLOSED) or reestablish (CONNECTING), then `error`.
      this.#readyState = next
      this.dispatchEvent(new Event('error'))
      // An `error` listener may have called close().
      if (this.#readyState !== CONNECTING) return
      // Wait the reconnection time; unless it was closed meanwhile, fetch again.
      this.#reconnectTimer = setTimeout(() => {
        if (this.#readyState === CONNECTING) this.#connect()
      }, this.#reconnectionTime)
    }, 0)
  }
}

// Typed listeners for the three events and the custom types, without
// overriding the methods (no code in the bundle for a type).
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

defineEventSourceInterface(EventSource)
