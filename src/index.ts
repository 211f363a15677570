/**
 * eventsource-kit: a WHATWG-exact `EventSource` on `fetch` for every
 * JavaScript runtime, with what the browser's never had.
 *
 * @packageDocumentation
 */
export { EventSource, type EventSourceInit, type EventSourceEventMap } from './event-source.js'
export { DEFAULT_MAX_BUFFER_SIZE } from './event-stream.js'
export { EventSourceErrorEvent, EventStreamError, type ErrorInit, type ErrorKind } from './errors.js'
export { fetchEvents, type StreamEvent } from './fetch-events.js'
export type { EventHandler } from './event-handler.js'
export type { RetryOptions, RetryContext, RetryDecision } from './retry.js'
export type { Provider, RequestContext } from './request.js'
