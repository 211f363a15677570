/**
 * The `readyState` values of §9.2.2, shared by both `EventSource` classes and
 * the connection, in a module of their own so that importing them pulls in
 * nothing else (`eventsource-kit/lite` must not carry the full connection).
 */

/** The connection has not yet been established, or it was closed and is reconnecting. */
export const CONNECTING = 0
/** The connection is open and dispatching events. */
export const OPEN = 1
/** The connection is not open, and will not reconnect. */
export const CLOSED = 2
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED
