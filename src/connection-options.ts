/**
 * The user's options (`EventSourceInit`) → what the processing model needs,
 * with every default filled in and every mistake thrown at construction.
 * Shared by `new EventSource()` and `fetchEvents()`, which take the same init.
 */
import type { ConnectionOptions } from './connection.js'
import type { EventSourceInit } from './event-source.js'
import { DEFAULT_ERROR_BODY_LIMIT } from './error-body.js'
import { assertHeaderSafe, globalFetch, UserRequest } from './request.js'
import { assertNonNegative, resolveRetryPolicy } from './retry.js'
import { InactivityWatchdog } from './watchdog.js'

/**
 * @param oneShot - `fetchEvents()`: a stream with nothing to resume from is not re-sent
 * @throws TypeError for a header value or `lastEventId` with CR, LF or NUL,
 *   a body on GET/HEAD, or bad `retry` numbers
 */
export function resolveConnectionOptions(url: URL, init: EventSourceInit, oneShot: boolean): ConnectionOptions {
  const lastEventId = init.lastEventId ?? ''
  assertHeaderSafe('lastEventId', lastEventId)
  const method = init.method ?? 'GET'
  // §9.2.2 step 7: withCredentials only when the member is true (WebIDL boolean).
  const withCredentials = Boolean(init.withCredentials)
  return {
    url: url.href,
    withCredentials,
    // With no method, headers or body the spec's request is all there is:
    // the model builds it without awaiting anything (the fetch starts in the
    // constructor, as the browser's does), and a source holds no UserRequest.
    request:
      init.method === undefined && init.headers === undefined && init.body === undefined
        ? undefined
        : new UserRequest(url.href, method, init.headers, init.body, withCredentials),
    // A `fetch` option always wins; `transport: 'fetch'` keeps the global
    // fetch where the Node entry made its Node transport the default.
    fetch: init.fetch ?? (init.transport === 'fetch' ? globalFetch : undefined),
    lastEventId,
    // A one-shot stream, or any request but a GET (an LLM POST must not be
    // paid for twice), is re-sent only with an id to resume from.
    retry: resolveRetryPolicy(init.retry, oneShot || method.toUpperCase() !== 'GET'),
    watchdog: (init.inactivityTimeout ?? 0) > 0 ? new InactivityWatchdog(init.inactivityTimeout as number) : undefined,
    maxBufferSize: init.maxBufferSize,
    errorBodyLimit: assertNonNegative('errorBodyLimit', init.errorBodyLimit ?? DEFAULT_ERROR_BODY_LIMIT),
    // fetchEvents() closes its connection only once the caller's signal
    // aborted, or while a body is being read (see ConnectionOptions.signal);
    // EventSource#close() may come at any time, so it keeps its own.
    signal: oneShot ? init.signal : undefined,
  }
}

