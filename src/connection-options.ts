/**
 * The user's options (`EventSourceInit`) → what a {@link Connection} needs,
 * with every default filled in and every mistake thrown at construction.
 * Shared by `new EventSource()` and `fetchEvents()`, which take the same init.
 */
import type { ConnectionOptions } from './connection.js'
import type { EventSourceInit } from './event-source.js'
import { DEFAULT_MAX_BUFFER_SIZE } from './event-stream.js'
import { globalFetch, validateRequestOptions } from './request.js'
import { resolveRetryPolicy } from './retry.js'

/**
 * @param oneShot - `fetchEvents()`: a clean end ends the stream
 * @throws TypeError for a header value or `lastEventId` with CR, LF or NUL,
 *   a body on GET/HEAD, or bad `retry` numbers
 */
export function resolveConnectionOptions(url: URL, init: EventSourceInit, oneShot: boolean): ConnectionOptions {
  const options: ConnectionOptions = {
    url: url.href,
    method: init.method ?? 'GET',
    headers: init.headers,
    body: init.body,
    // §9.2.2 step 7: withCredentials only when the member is true (WebIDL boolean).
    withCredentials: Boolean(init.withCredentials),
    fetch: init.fetch ?? globalFetch,
    lastEventId: init.lastEventId ?? '',
    retry: resolveRetryPolicy(init.retry),
    inactivityTimeout: init.inactivityTimeout ?? 0,
    maxBufferSize: init.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE,
    oneShot,
    // fetchEvents() closes its connection only once the caller's signal
    // aborted, or while a body is being read (see ConnectionOptions.signal);
    // EventSource#close() may come at any time, so it keeps its own.
    signal: oneShot ? init.signal : undefined,
  }
  validateRequestOptions(options, options.lastEventId)
  return options
}
