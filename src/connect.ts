/**
 * Which connection an `EventSource` gets (issue 17): its own, under the
 * page's lifecycle; or, with `share` where Web Locks and `BroadcastChannel`
 * exist, a view of one connection shared between tabs (shared-connection.ts).
 * That module is loaded by `import()` only then, so a bundler with code
 * splitting keeps it out of the chunk every page loads (bench/bundle.mjs).
 */
import { Connection, type ConnectionOptions, type ConnectionSink } from './connection.js'
import { watchLifecycle } from './lifecycle.js'
import { CLOSED } from './ready-state.js'

/** What `EventSource` uses of a connection, shared or not. */
export type SourceConnection = Pick<Connection, 'readyState' | 'lastEventId' | 'reconnectionTime' | 'start' | 'close'>

/**
 * The connection of an `EventSource`: its own, or, with `share`, a stand-in
 * until the shared one (or, if the module cannot load, its own) replaces it.
 *
 * @param use - given the connection that replaces the one returned, which
 *   stands in until the sharing module is loaded; starts it
 */
export function connect(
  options: ConnectionOptions,
  sink: ConnectionSink,
  share: boolean | string | undefined,
  pause: number | undefined,
  use: (connection: SourceConnection) => void,
): SourceConnection {
  const connection = new Connection(options, sink)
  // Node 22 and Bun lack Web Locks, old browsers both: there, as without
  // `share`, the connection is the source's own, and the module never loads.
  if (!share || typeof BroadcastChannel !== 'function' || globalThis.navigator?.locks === undefined) return watchLifecycle(connection, pause)
  // Until the module is in, the connection, never started, stands in: it is
  // CONNECTING, has the initial last event ID and delay, and close() makes
  // it CLOSED, after which nothing is made (no lock, no channel, no request).
  connection.start = () =>
    void import('./shared-connection.js').then(
      (module) => connection.readyState !== CLOSED && use(module.shareConnection(options, sink, share, Connection, watchLifecycle, connection.reconnectionTime)),
      // The chunk did not load (offline, a deploy removed it): the stream
      // still works, unshared, rather than the source failing.
      () => connection.readyState !== CLOSED && use(watchLifecycle(new Connection(options, sink), pause)),
    )
  return connection
}
