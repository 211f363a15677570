/**
 * eventsource-plus: a WHATWG-exact `EventSource` on `fetch` for every
 * JavaScript runtime.
 *
 * @packageDocumentation
 */
export { EventSource, DEFAULT_MAX_BUFFER_SIZE, type EventSourceInit } from './event-source.js'
export type { EventHandler } from './event-handler.js'
