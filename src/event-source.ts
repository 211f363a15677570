/**
 * The `EventSource` interface of the HTML Standard §9.2.2, on `fetch`.
 *
 * With no options beyond `withCredentials` it behaves as the browser's own
 * `EventSource`, event for event; the processing model lives in
 * {@link Connection}.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
import { CLOSED, CONNECTING, Connection, OPEN, type ConnectionError, type ReadyState } from './connection.js'
import { getEventHandler, setEventHandler, type EventHandler } from './event-handler.js'
import { parseEventSourceUrl } from './url.js'

/** The options of the `EventSource` constructor. */
export interface EventSourceInit {
  /** Send cookies and HTTP auth to other origins too (credentials mode "include"). */
  withCredentials?: boolean
}

/**
 * A Server-Sent Events client: the WHATWG `EventSource`, for every runtime.
 *
 * @example
 * ```ts
 * import { EventSource } from 'eventsource-plus'
 *
 * const source = new EventSource('https://example.com/events')
 * source.onmessage = (event) => console.log(event.data, event.lastEventId)
 * source.addEventListener('update', (event) => console.log('update', event.data))
 * source.onerror = () => {
 *   if (source.readyState === EventSource.CLOSED) console.log('gave up')
 * }
 * ```
 */
export class EventSource extends EventTarget {
  /** The connection has not yet been established, or it was closed and is reconnecting. */
  static readonly CONNECTING = CONNECTING
  /** The connection is open and dispatching events. */
  static readonly OPEN = OPEN
  /** The connection is not open, and will not reconnect. */
  static readonly CLOSED = CLOSED
  declare readonly CONNECTING: typeof CONNECTING
  declare readonly OPEN: typeof OPEN
  declare readonly CLOSED: typeof CLOSED

  readonly #url: string
  readonly #withCredentials: boolean
  readonly #connection: Connection

  /**
   * Opens a connection at once (§9.2.2).
   *
   * @param url - absolute, or relative to `location` where the runtime has one
   * @param init - `withCredentials: true` sends cookies cross-origin
   * @throws DOMException `SyntaxError` when `url` does not parse
   */
  constructor(url: string | URL, init: EventSourceInit = {}) {
    // WebIDL: the URL argument is required; `new EventSource()` is a TypeError.
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.")
    }
    super()
    // Steps 3–5: parse, or throw a SyntaxError.
    const urlRecord = parseEventSourceUrl(url)
    this.#url = urlRecord.href
    // Steps 6–7: withCredentials only when the member is true (WebIDL boolean).
    this.#withCredentials = Boolean(init?.withCredentials)
    this.#connection = new Connection(
      {
        url: urlRecord,
        withCredentials: this.#withCredentials,
        fetch: (input, requestInit) => globalThis.fetch(input, requestInit),
        maxBufferSize: DEFAULT_MAX_BUFFER_SIZE,
      },
      {
        open: () => this.dispatchEvent(new Event('open')),
        message: (message, lastEventId, origin) => {
          // Dispatch steps 4–6: a MessageEvent, type `message` unless the
          // event type buffer was set.
          this.dispatchEvent(
            new MessageEvent(message.event ?? 'message', { data: message.data, origin, lastEventId }),
          )
        },
        // §9.2.3 reestablish/fail: "fire an event named error" — a plain Event.
        error: (_error: ConnectionError) => {
          this.dispatchEvent(new Event('error'))
        },
      },
    )
    // Step 15: "Fetch request".
    this.#connection.start()
  }

  /** The absolute URL of the event source, as given to the constructor. */
  get url(): string {
    return this.#url
  }

  /** Whether the constructor was called with `withCredentials: true`. */
  get withCredentials(): boolean {
    return this.#withCredentials
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): ReadyState {
    return this.#connection.readyState
  }

  /** Runs for every `open` event, in listener order. */
  get onopen(): EventHandler<Event> {
    return getEventHandler(this, 'open')
  }
  set onopen(handler: EventHandler<Event>) {
    setEventHandler(this, 'open', handler)
  }

  /** Runs for every `message` event (events without an `event:` field). */
  get onmessage(): EventHandler<MessageEvent<string>> {
    return getEventHandler(this, 'message') as EventHandler<MessageEvent<string>>
  }
  set onmessage(handler: EventHandler<MessageEvent<string>>) {
    setEventHandler(this, 'message', handler)
  }

  /** Runs for every `error` event: while reconnecting (CONNECTING) and on failure (CLOSED). */
  get onerror(): EventHandler<Event> {
    return getEventHandler(this, 'error')
  }
  set onerror(handler: EventHandler<Event>) {
    setEventHandler(this, 'error', handler)
  }

  /** Aborts the connection and any reconnect; no event of any kind follows. */
  close(): void {
    this.#connection.close()
  }
}

/**
 * The default `maxBufferSize`: 16 Mi characters (32 MiB of string) for an
 * unfinished line or event, far above any real event and far below what
 * exhausts a process.
 */
export const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024

// WebIDL constants live on the interface object and on its prototype, and are
// enumerable but neither writable nor configurable.
for (const [name, value] of [
  ['CONNECTING', CONNECTING],
  ['OPEN', OPEN],
  ['CLOSED', CLOSED],
] as const) {
  const descriptor = { value, enumerable: true, writable: false, configurable: false }
  Object.defineProperty(EventSource, name, descriptor)
  Object.defineProperty(EventSource.prototype, name, descriptor)
}

// WebIDL attributes and operations are enumerable; class syntax makes them not.
for (const name of ['url', 'withCredentials', 'readyState', 'onopen', 'onmessage', 'onerror', 'close']) {
  const descriptor = Object.getOwnPropertyDescriptor(EventSource.prototype, name)
  if (descriptor !== undefined) Object.defineProperty(EventSource.prototype, name, { ...descriptor, enumerable: true })
}

Object.defineProperty(EventSource.prototype, Symbol.toStringTag, {
  value: 'EventSource',
  configurable: true,
})
