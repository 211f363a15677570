/**
 * `fetchEvents()`: a one-shot event stream as an async iterable — the shape
 * of an LLM response, a job's progress, an export.
 *
 * It runs the same state machine as `EventSource` ({@link Connection}) in
 * one-shot mode: a clean end of body ends the iteration instead of
 * reconnecting, and a broken body is resumed only when the stream gave an id.
 */
import { Connection, type ConnectionError } from './connection.js'
import { EventStreamError } from './errors.js'
import { resolveConnectionOptions } from './connection-options.js'
import type { EventSourceInit } from './event-source.js'
import { parseEventSourceUrl } from './url.js'

/** One event of a stream read with {@link fetchEvents}. */
export interface StreamEvent {
  /** The `event:` field, or `message` when there was none. */
  type: string
  /** The `data:` lines, joined with LF. */
  data: string
  /** The last event ID string at this event (ids persist until the server changes them). */
  lastEventId: string
}

/**
 * Reads an event stream as an async iterable. Takes the same options as
 * `new EventSource()`.
 *
 * - Ends when the server ends the stream cleanly; no reconnect.
 * - A network error mid-stream is resumed with `Last-Event-ID` when the
 *   server sent ids and `retry` allows; otherwise the loop throws.
 * - A status other than 200 or a content type other than `text/event-stream`
 *   throws an {@link EventStreamError} with `status` and `response`.
 * - `break`, `return` or aborting `signal` aborts the request at once.
 * - Reads only as fast as the loop iterates.
 *
 * @example
 * ```ts
 * import { fetchEvents } from 'eventsource-plus'
 *
 * for await (const event of fetchEvents('https://api.example.com/v1/chat', {
 *   method: 'POST',
 *   headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ stream: true, messages }),
 * })) {
 *   if (event.data === '[DONE]') break
 *   process.stdout.write(JSON.parse(event.data).choices[0].delta.content ?? '')
 * }
 * ```
 * @throws DOMException `SyntaxError` for an invalid URL, TypeError for bad headers (both on the first `next()`)
 */
export async function* fetchEvents(input: string | URL, init: EventSourceInit = {}): AsyncGenerator<StreamEvent, void, undefined> {
  const options = resolveConnectionOptions(parseEventSourceUrl(input), init, true)
  const signal = init.signal
  signal?.throwIfAborted()

  // Events of the current chunk wait here until the loop takes them; the
  // connection does not read the next chunk before the queue is empty.
  const queue: StreamEvent[] = []
  let head = 0
  let ended = false
  let failure: ConnectionError | undefined
  // Wakes the loop when an event, the end or a failure arrives.
  let wake: (() => void) | undefined
  // Resolves the connection's wait for the queue to drain.
  let drained: (() => void) | undefined
  const notify = (): void => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }

  const connection = new Connection(
    options,
    {
      open() {},
      message(message, id) {
        queue.push({ type: message.event ?? 'message', data: message.data, lastEventId: id })
        notify()
      },
      error(error) {
        // A reconnect in progress is invisible to the loop; a failure ends it.
        if (!error.willReconnect) {
          failure = error
          notify()
        }
      },
      end() {
        ended = true
        notify()
      },
      drain() {
        return head < queue.length ? new Promise<void>((resolve) => (drained = resolve)) : undefined
      },
    },
  )

  const onAbort = (): void => {
    connection.close()
    notify()
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  connection.start()
  try {
    for (;;) {
      while (head < queue.length) {
        const event = queue[head++] as StreamEvent
        yield event
      }
      queue.length = 0
      head = 0
      // Let the connection read the next chunk.
      const resume = drained
      drained = undefined
      resume?.()
      if (signal?.aborted) signal.throwIfAborted()
      if (failure !== undefined) throw new EventStreamError(failure)
      if (ended) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    // `break`, `return`, a throw in the loop body or the end: abort the
    // request (a no-op once it ended) and forget the signal.
    signal?.removeEventListener('abort', onAbort)
    connection.close()
  }
}
