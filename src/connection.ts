/**
 * The connection state machine of §9.2.3: fetch, announce, reestablish, fail.
 *
 * It owns everything the spec keeps on an `EventSource` object besides the
 * event-target part — the ready state, the request, the reconnection time and
 * the last event ID string — and reports what happens through a
 * {@link ConnectionSink}, so the `EventSource` class (DOM events) and
 * `fetchEvents()` (async iteration) share one implementation of the spec.
 *
 * Spec steps are quoted next to the code that implements them.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 */
import type { EventSourceMessage } from 'eventsource-parser'
import { createEventStreamDecoder } from './event-stream.js'
import { isEventStream } from './mime.js'
import { isFetchableScheme } from './url.js'

export const CONNECTING = 0
export const OPEN = 1
export const CLOSED = 2
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED

/**
 * "A reconnection time, in milliseconds. This must initially be an
 * implementation-defined value, probably in the region of a few seconds."
 * Chromium and WebKit use 3000 ms; so do we.
 */
export const DEFAULT_RECONNECTION_TIME = 3000

// Timers fire at once for delays above 2^31 − 1 ms (Node even warns). A
// server's `retry:` may be any run of digits, so larger values are clamped to
// the longest wait a timer can express (about 24.8 days).
const MAX_TIMER_DELAY = 2 ** 31 - 1

/** Why the connection is reestablishing or has failed. */
export interface ConnectionError {
  /** One line a person can act on. */
  message: string
  /** The HTTP status, when a response arrived. */
  status?: number
  /** The response that caused the error, when one arrived (body already cancelled). */
  response?: Response
  /** The underlying exception: a network error, an abort reason, a parse error. */
  cause?: unknown
  /** Whether another attempt is scheduled. */
  willReconnect: boolean
  /** The wait before that attempt, in milliseconds. */
  reconnectDelay?: number
}

/** Where the state machine reports what the spec says to fire. */
export interface ConnectionSink {
  /** "sets the readyState attribute to OPEN and fires an event named open". */
  open(response: Response): void
  /** Dispatch step 8: a message event, fired only while not CLOSED. */
  message(message: EventSourceMessage, lastEventId: string, origin: string): void
  /**
   * Reestablish step 1 (readyState now CONNECTING) or fail (readyState now
   * CLOSED): "fires an event named error".
   */
  error(error: ConnectionError): void
}

/** The request half of the state, fixed at construction (§9.2.2 steps 5–13). */
export interface ConnectionOptions {
  /** The parsed URL of the event source. */
  url: URL
  /** Step 7: credentials mode "include" instead of "same-origin". */
  withCredentials: boolean
  /** The `fetch` to use. */
  fetch: typeof fetch
  /** The most characters an unfinished line or event may hold. */
  maxBufferSize: number
}

// Browsers turn cache mode "no-store" into `Cache-Control: no-cache` and
// `Pragma: no-cache` inside fetch (Fetch "HTTP-network-or-cache fetch"), after
// CORS checks, so setting them ourselves there would force a preflight. Server
// runtimes have no CORS, and Deno and Bun ignore the cache mode, so there we
// send them explicitly; Node's undici then sees them present and adds nothing.
const IS_BROWSER = 'document' in globalThis || 'WorkerGlobalScope' in globalThis

/**
 * One event source's connection: create it, `start()` it, `close()` it.
 */
export class Connection {
  /** §9.2.2: CONNECTING at construction. */
  readyState: ReadyState = CONNECTING
  /** "A last event ID string. This must initially be the empty string." */
  lastEventId = ''
  /** The reconnection time, replaced by the server's `retry:` field. */
  reconnectionTime = DEFAULT_RECONNECTION_TIME

  readonly #options: ConnectionOptions
  readonly #sink: ConnectionSink
  // The URL the next attempt fetches. html #503: a reconnect goes to the
  // request's current URL, i.e. the final URL after redirects (Chromium keeps
  // the same `current_url_`).
  #requestUrl: URL
  // Aborts the attempt in flight; replaced per attempt so a stale attempt can
  // tell it has been superseded.
  #controller: AbortController | undefined
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined

  constructor(options: ConnectionOptions, sink: ConnectionSink) {
    this.#options = options
    this.#sink = sink
    this.#requestUrl = options.url
  }

  /** §9.2.2 step 15: "Fetch request". */
  start(): void {
    void this.#attempt()
  }

  /**
   * "The close() method must abort any instances of the fetch algorithm
   * started for this EventSource object, and must set the readyState attribute
   * to CLOSED." No event is fired.
   */
  close(): void {
    this.readyState = CLOSED
    clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = undefined
    const controller = this.#controller
    this.#controller = undefined
    controller?.abort()
  }

  /** One fetch of the request and the processing of its response. */
  async #attempt(): Promise<void> {
    const controller = new AbortController()
    this.#controller = controller
    try {
      await this.#fetchAndProcess(controller)
    } catch (cause) {
      // Only a bug of ours or a throwing sink gets here; never leave the
      // object half-open: fail it with the reason attached.
      if (this.#controller !== controller) return
      this.#fail({ message: `EventSource internal error: ${String(cause)}`, cause })
    }
  }

  async #fetchAndProcess(controller: AbortController): Promise<void> {
    let response: Response
    try {
      response = await this.#options.fetch(this.#requestUrl.href, this.#requestInit(controller.signal))
    } catch (cause) {
      // "If res is an aborted network error, then fail the connection." Only
      // close() aborts, and it has already made readyState CLOSED, so failing
      // would fire nothing: there is nothing left to do.
      if (this.#controller !== controller) return
      // "Otherwise, if res is a network error, then reestablish the
      // connection, unless the user agent knows that to be futile, in which
      // case the user agent may fail the connection."
      const message = `Failed to fetch ${this.#requestUrl.href}: ${errorText(cause)}`
      if (!isFetchableScheme(this.#requestUrl)) this.#fail({ message, cause })
      else this.#reestablish({ message, cause })
      return
    }

    if (this.#controller !== controller) {
      discardBody(response)
      return
    }

    // "Otherwise, if res's status is not 200, or if res's `Content-Type` is
    // not `text/event-stream`, then fail the connection." This covers 204,
    // which the intro names as the way to tell a client to stop reconnecting.
    const contentType = response.headers.get('content-type')
    if (response.status !== 200 || !isEventStream(contentType)) {
      discardBody(response)
      const message =
        response.status !== 200
          ? `EventSource response has status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, expected 200`
          : `EventSource response has Content-Type ${contentType === null ? '(none)' : `'${contentType}'`}, expected 'text/event-stream'`
      this.#fail({ message, status: response.status, response })
      return
    }

    // A redirect changes the URL that reconnects go to and the origin events carry.
    if (response.url !== '') this.#requestUrl = new URL(response.url)

    // "Otherwise, announce the connection and interpret res's body line by line."
    this.#announce(response)
    if (this.#controller !== controller) {
      discardBody(response)
      return
    }
    await this.#interpretBody(response, controller)
  }

  /** The Fetch request of §9.2.2 steps 8–11 and reestablish step 5.3. */
  #requestInit(signal: AbortSignal): RequestInit {
    const headers = new Headers()
    // Step 10: "User agents may set (`Accept`, `text/event-stream`)".
    headers.set('Accept', 'text/event-stream')
    // Reestablish 5.3: "If the EventSource object's last event ID string is
    // not the empty string, then set (`Last-Event-ID`, lastEventIDValue),
    // encoded as UTF-8" — the first request is covered too, since the string
    // is empty then.
    if (this.lastEventId !== '') headers.set('Last-Event-ID', toByteString(this.lastEventId))
    if (!IS_BROWSER) {
      headers.set('Cache-Control', 'no-cache')
      headers.set('Pragma', 'no-cache')
    }
    return {
      method: 'GET',
      headers,
      // Step 8: a potential-CORS request, credentials by withCredentials (step 7).
      mode: 'cors',
      credentials: this.#options.withCredentials ? 'include' : 'same-origin',
      // Step 11: "Set request's cache mode to "no-store"."
      cache: 'no-store',
      redirect: 'follow',
      signal,
    }
  }

  /**
   * "When a user agent is to announce the connection, the user agent must
   * queue a task which, if the readyState attribute is set to a value other
   * than CLOSED, sets the readyState attribute to OPEN and fires an event
   * named open at the EventSource object."
   */
  #announce(response: Response): void {
    if (this.readyState === CLOSED) return
    this.readyState = OPEN
    this.#sink.open(response)
  }

  /** "interpret res's body line by line" (§9.2.6), until it ends or breaks. */
  async #interpretBody(response: Response, controller: AbortController): Promise<void> {
    // Dispatch step 5: "the serialization of the origin of the event stream's
    // final URL (i.e., the URL after redirects)". Computed once per response.
    const origin = this.#requestUrl.origin
    let overflow: Error | undefined
    const decoder = createEventStreamDecoder(
      {
        onId: (id) => {
          // Dispatch step 1: the last event ID string takes the buffer's value
          // at every block end, data or not.
          this.lastEventId = id
        },
        onEvent: (message) => {
          // Step 8: "if the readyState attribute is set to a value other than
          // CLOSED, dispatches the newly created event". A handler may have
          // called close() for an earlier event of the same chunk.
          if (this.readyState === CLOSED) return
          this.#sink.message(message, this.lastEventId, origin)
        },
        onRetry: (milliseconds) => {
          // "set the event stream's reconnection time to that integer" — as
          // soon as the line is parsed, not at dispatch (status-reconnect.py
          // sends `retry: 2\n` with no blank line after it).
          this.reconnectionTime = Math.min(milliseconds, MAX_TIMER_DELAY)
        },
        onOverflow: (error) => {
          overflow = error
        },
      },
      this.#options.maxBufferSize,
    )

    const body = response.body
    if (body !== null) {
      const reader = body.getReader()
      try {
        // Hot path: one iteration per network chunk.
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          decoder.push(value)
          if (this.#controller !== controller) return
          if (overflow !== undefined) break
        }
      } catch (cause) {
        if (this.#controller !== controller) return
        // A body that breaks mid-stream is a network error; browsers
        // reestablish, as for a fetch that never got a response.
        this.#reestablish({ message: `EventSource connection lost: ${errorText(cause)}`, cause })
        return
      } finally {
        if (overflow !== undefined) void reader.cancel(overflow).catch(ignore)
        else reader.releaseLock()
      }
    }

    if (overflow !== undefined) {
      this.#reestablish({ message: `EventSource stream broken: ${overflow.message}`, cause: overflow })
      return
    }
    // processEventSourceEndOfBody: "if res is not a network error, then
    // reestablish the connection."
    this.#reestablish({ message: 'EventSource stream ended; reconnecting' })
  }

  /** §9.2.3 "reestablish the connection". */
  #reestablish(error: Omit<ConnectionError, 'willReconnect'>): void {
    this.#controller = undefined
    // Step 1.1: "If the readyState attribute is set to CLOSED, abort the task."
    if (this.readyState === CLOSED) return
    // Step 2: "Wait a delay equal to the reconnection time of the event source."
    const delay = this.reconnectionTime
    // Steps 1.2–1.3: "Set the readyState attribute to CONNECTING. Fire an
    // event named error at the EventSource object."
    this.readyState = CONNECTING
    this.#sink.error({ ...error, willReconnect: true, reconnectDelay: delay })
    // The handler may have called close(); then nothing is scheduled.
    if (this.readyState !== CONNECTING) return
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined
      // Step 5.1: "If the EventSource object's readyState attribute is not set
      // to CONNECTING, then return."
      if (this.readyState !== CONNECTING) return
      // Step 5.4: "Fetch request and process the response … as described
      // earlier in this section."
      void this.#attempt()
    }, delay)
  }

  /**
   * "When a user agent is to fail the connection, the user agent must queue a
   * task which, if the readyState attribute is set to a value other than
   * CLOSED, sets the readyState attribute to CLOSED and fires an event named
   * error at the EventSource object. Once the user agent has failed the
   * connection, it does not attempt to reconnect."
   */
  #fail(error: Omit<ConnectionError, 'willReconnect'>): void {
    this.#controller = undefined
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#sink.error({ ...error, willReconnect: false })
  }
}

/**
 * `Headers` values are ByteStrings, but §9.2.3 sends the last event ID
 * "encoded as UTF-8". Each UTF-8 byte becomes one character U+0000–U+00FF,
 * which fetch puts on the wire as that byte.
 */
function toByteString(value: string): string {
  const bytes = new TextEncoder().encode(value)
  let result = ''
  for (const byte of bytes) result += String.fromCharCode(byte)
  return result
}

/** Frees the connection of a response we will not read. */
function discardBody(response: Response): void {
  if (response.body !== null && !response.bodyUsed) void response.body.cancel().catch(ignore)
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    // undici hides the socket error ("other side closed") behind "fetch failed".
    const cause = (error as Error & { cause?: unknown }).cause
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
  }
  return String(error)
}

function ignore(): void {}
