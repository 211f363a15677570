/**
 * Which connection an `EventSource` gets (issue 17): its own, under the
 * page's lifecycle; or, with `share` once `eventsource-kit/share` is
 * imported, a view of one connection shared between tabs (shared-connection.ts). The
 * sharing code is in that entry alone, so the full bundle does not carry it.
 */
import { Connection, type ConnectionOptions, type ConnectionSink } from './connection.js'
import { watchLifecycle } from './lifecycle.js'

/** What `EventSource` uses of a connection, shared or not. */
export type SourceConnection = Pick<Connection, 'readyState' | 'lastEventId' | 'reconnectionTime' | 'start' | 'close'>

/** A way to share: set by share.ts; `undefined` where the realm cannot. */
export type Share = (options: ConnectionOptions, sink: ConnectionSink, key: true | string) => SourceConnection | undefined

export const sharing: { share?: Share } = {}

export function connect(options: ConnectionOptions, sink: ConnectionSink, share?: boolean | string, pause?: number): SourceConnection {
  return (share && sharing.share?.(options, sink, share)) || watchLifecycle(new Connection(options, sink), pause)
}
