/**
 * What went wrong, for people and for code: the `error` event of
 * `EventSource` and the exception of `fetchEvents()`.
 */
import type { ConnectionError } from './connection.js'

/**
 * The `error` event of an {@link EventSource}: still an `Event` named `error`
 * (a drop-in user sees nothing new), carrying why it fired and what happens next.
 *
 * @example
 * ```ts
 * source.addEventListener('error', (event) => {
 *   if (event.status === 401) source.close() // refresh the token, then reconnect yourself
 *   else if (!event.willReconnect) console.error('gave up:', event.message)
 * })
 * ```
 */
export class EventSourceErrorEvent extends Event {
  /** One line saying what happened. */
  readonly message: string
  /** The HTTP status of the response that caused the error, if one arrived. */
  readonly status: number | undefined
  /** That response (headers readable; its body was cancelled). */
  readonly response: Response | undefined
  /** The underlying exception: a network error, a timeout, a parse error. */
  readonly cause: unknown
  /** Whether the source is reconnecting (readyState CONNECTING) or has failed (CLOSED). */
  readonly willReconnect: boolean
  /** The wait before the next attempt, in milliseconds, when `willReconnect`. */
  readonly reconnectDelay: number | undefined

  constructor(error: ConnectionError) {
    // Like the spec's error event: it neither bubbles nor can be cancelled.
    super('error')
    this.message = error.message
    this.status = error.status
    this.response = error.response
    this.cause = error.cause
    this.willReconnect = error.willReconnect
    this.reconnectDelay = error.reconnectDelay
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
 *   if (error instanceof EventStreamError && error.status === 429) {
 *     console.log('retry after', error.response?.headers.get('retry-after'))
 *   }
 * }
 * ```
 */
export class EventStreamError extends Error {
  override readonly name = 'EventStreamError'
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined
  /** The response, when one arrived (headers readable; its body was cancelled). */
  readonly response: Response | undefined

  constructor(error: ConnectionError) {
    super(error.message, error.cause === undefined ? undefined : { cause: error.cause })
    this.status = error.status
    this.response = error.response
  }
}
