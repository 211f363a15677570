/**
 * What went wrong, for people and for code: the `error` event of
 * `EventSource` and the exception of `fetchEvents()`.
 *
 * The processing model (connection.ts) reports facts only — a {@link ErrorKind},
 * the response, the cause — and the sentences are made here, so the lite
 * class, whose `error` events are plain `Event`s, carries none of them, and
 * each surface names itself in its own messages.
 */
import type { ConnectionError } from './connection.js'

/**
 * Why an attempt ended, for code to `switch` on:
 *
 * - `'end'`: the server ended the body; the source reconnects (or, from
 *   `fromReadableStream()`, is done).
 * - `'network'`: no response (refused, reset, DNS, TLS, a redirect loop), or
 *   the body broke while it was read.
 * - `'timeout'`: nothing arrived for `inactivityTimeout` ms (headers included).
 * - `'status'`: a response with a status other than 200.
 * - `'content-type'`: a 200 whose `Content-Type` is not `text/event-stream`.
 * - `'overflow'`: an unfinished line or event outgrew `maxBufferSize`.
 * - `'aborted'`: an abort this library did not make ended the request or the
 *   body (a custom `fetch` with its own signal, the browser's stop button).
 *   Aborting the `signal` option is `close()`: no event, and `fetchEvents()`
 *   rejects with the signal's reason.
 */
export type ErrorKind = 'end' | 'network' | 'timeout' | 'status' | 'content-type' | 'overflow' | 'aborted'

/** What an error carries: the members of {@link EventSourceErrorEvent} and {@link EventStreamError}. */
export interface ErrorInit {
  /** Why the attempt ended. */
  kind: ErrorKind
  /** One line saying what happened. */
  message: string
  /** The response, when one arrived that is not an event stream. */
  response?: Response | undefined
  /** The underlying exception. */
  cause?: unknown
  /** The first `errorBodyLimit` characters of that response's body, as text. */
  body?: string | undefined
  /** Whether another attempt is scheduled. */
  willReconnect: boolean
  /** The wait before that attempt, in milliseconds. */
  reconnectDelay?: number | undefined
}

/**
 * The `error` event of an {@link EventSource}: still an `Event` named `error`
 * (a drop-in user sees nothing new), carrying why it fired and what happens next.
 *
 * @example
 * ```ts
 * source.addEventListener('error', (event) => {
 *   switch (event.kind) {
 *     case 'status':
 *       if (event.status === 401) source.close() // refresh the token, then reconnect yourself
 *       break
 *     case 'timeout':
 *       console.warn('the stream went quiet; reconnecting')
 *       break
 *     default:
 *       if (!event.willReconnect) console.error('gave up:', event.message)
 *   }
 * })
 * ```
 */
export class EventSourceErrorEvent extends Event {
  /** Why the attempt ended: see {@link ErrorKind}. */
  readonly kind: ErrorKind
  /** One line saying what happened. */
  readonly message: string
  /** The HTTP status of the response that caused the error, if one arrived. */
  readonly status: number | undefined
  /** That response (headers readable; its body was read into {@link body}, the rest cancelled). */
  readonly response: Response | undefined
  /**
   * The first `errorBodyLimit` characters (default 64 Ki) of that response's
   * body: what the server said instead of streaming (an API's JSON error).
   * Undefined when no response arrived.
   */
  readonly body: string | undefined
  /** The underlying exception: a network error, a timeout, a parse error. */
  readonly cause: unknown
  /** Whether the source is reconnecting (readyState CONNECTING) or has failed (CLOSED). */
  readonly willReconnect: boolean
  /** The wait before the next attempt, in milliseconds, when `willReconnect`. */
  readonly reconnectDelay: number | undefined

  constructor(init: ErrorInit) {
    // Like the spec's error event: it neither bubbles nor can be cancelled.
    super('error')
    this.kind = init.kind
    this.message = init.message
    this.status = init.response?.status
    this.response = init.response
    this.body = init.body
    this.cause = init.cause
    this.willReconnect = init.willReconnect
    this.reconnectDelay = init.reconnectDelay
  }

  /**
   * The HTTP status, under the name the `eventsource` package gives it, so
   * code written for that package reads it unchanged.
   */
  get code(): number | undefined {
    return this.status
  }
}

/**
 * Thrown by {@link fetchEvents} when the stream cannot be read: a status other
 * than 200, a content type other than `text/event-stream`, or a broken
 * connection it could not resume.
 *
 * @example
 * ```ts
 * try {
 *   for await (const event of fetchEvents(url)) console.log(event.data)
 * } catch (error) {
 *   if (error instanceof EventStreamError && error.kind === 'status' && error.status === 429) {
 *     console.log('retry after', error.response?.headers.get('retry-after'))
 *   }
 * }
 * ```
 */
export class EventStreamError extends Error {
  override readonly name = 'EventStreamError'
  /** Why the stream ended: see {@link ErrorKind}. */
  readonly kind: ErrorKind
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined
  /** The response, when one arrived (headers readable; its body was read into {@link body}). */
  readonly response: Response | undefined
  /** The first `errorBodyLimit` characters of that response's body (an API's JSON error). */
  readonly body: string | undefined

  constructor(init: Omit<ErrorInit, 'willReconnect'>) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.kind = init.kind
    this.status = init.response?.status
    this.response = init.response
    this.body = init.body
  }
}

/**
 * The model's facts about an error, with the sentence for a person: `surface`
 * names what the user called (`EventSource`, `fetchEvents()`).
 */
export function errorInit(error: ConnectionError, surface: string): ErrorInit {
  return {
    kind: error.kind,
    message: describe(error, surface),
    response: error.response,
    body: error.body,
    cause: error.cause,
    willReconnect: error.willReconnect,
    reconnectDelay: error.reconnectDelay,
  }
}

/** The one line of an error: what happened, to which URL, and what comes next. */
function describe(error: ConnectionError, surface: string): string {
  const { url, response, cause } = error
  let text: string
  // A throwing shouldRetry or sink: what it threw is the news.
  if (error.phase === 'policy') text = `${surface} error: ${errorText(cause)}`
  else if (error.phase === 'request') text = `Cannot build the request: ${errorText(cause)}`
  else switch (error.kind) {
    case 'end':
      text = `${surface} stream ended`
      break
    case 'status':
      text = `${surface} response has status ${response?.status}${response?.statusText ? ` ${response.statusText}` : ''}, expected 200`
      break
    case 'content-type': {
      const type = response?.headers.get('content-type') ?? null
      text = `${surface} response has Content-Type ${type === null ? '(none)' : `'${type}'`}, expected 'text/event-stream'`
      break
    }
    case 'timeout':
      text = error.opened ? `No data from ${url} for ${error.timeout} ms` : `No response from ${url} within ${error.timeout} ms`
      break
    case 'overflow':
      text = `${surface} stream broken: ${errorText(cause)}`
      break
    default:
      text = error.opened ? `${surface} connection lost: ${errorText(cause)}` : `Failed to fetch ${url}: ${errorText(cause)}`
  }
  return error.willReconnect ? `${text}; reconnecting in ${error.reconnectDelay} ms` : text
}

/** A cause as text, whatever a stream was errored with. */
function errorText(error: unknown): string {
  if (error instanceof Error) {
    // undici hides the socket error ("other side closed") behind "fetch failed".
    const cause = (error as Error & { cause?: unknown }).cause
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
  }
  try {
    return String(error)
  } catch {
    // A stream may be errored with anything, even an object with no way to
    // become a string (Object.create(null)); the error must still be made.
    return Object.prototype.toString.call(error)
  }
}
