/**
 * The connection state machine of §9.2.3: fetch, announce, reestablish, fail.
 *
 * It owns everything the spec keeps on an `EventSource` object besides the
 * event-target part — the ready state, the request, the reconnection time and
 * the last event ID string — and reports what happens through a
 * {@link ConnectionSink}, so the `EventSource` class (DOM events) and
 * `fetchEvents()` (async iteration) share one implementation of the spec.
 *
 * Spec steps are quoted next to the code that implements them.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 */
import type { EventSourceMessage } from 'eventsource-parser'
import { createEventStreamDecoder, type EventStreamDecoder, type EventStreamHandlers } from './event-stream.js'
import { isEventStream } from './mime.js'
import { buildRequestInit, type RequestOptions } from './request.js'
import { computeDelay, MAX_TIMER_DELAY, parseRetryAfter, type RetryPolicy } from './retry.js'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state.js'
import { dispatchEach } from './task-per-event.js'
import { isFetchableScheme } from './url.js'

export { CLOSED, CONNECTING, OPEN, type ReadyState }

/** Why the connection is reestablishing or has failed. */
export interface ConnectionError {
  /** One line a person can act on. */
  message: string
  /** The HTTP status, when a response other than an event stream arrived. */
  status?: number
  /** That response (body already cancelled). */
  response?: Response
  /** The underlying exception: a network error, a timeout, a parse error. */
  cause?: unknown
  /** Whether another attempt is scheduled. */
  willReconnect: boolean
  /** The wait before that attempt, in milliseconds. */
  reconnectDelay?: number
}

/** Where the state machine reports what the spec says to fire. */
export interface ConnectionSink {
  /** "sets the readyState attribute to OPEN and fires an event named open". */
  open(response: Response): void
  /** Dispatch step 8: a message event, reported only while not CLOSED. */
  message(message: EventSourceMessage, lastEventId: string, origin: string): void
  /**
   * Reestablish step 1 (readyState now CONNECTING) or fail (readyState now
   * CLOSED): "fires an event named error".
   */
  error(error: ConnectionError): void
  /**
   * The sink has listeners that the spec runs each in a task of its own:
   * dispatch step 8 queues a task per event, and reestablishing or failing
   * queues one before `error`, so microtasks queued by a listener run before
   * whatever comes next. When set, the connection yields to the microtask
   * queue between the events of one chunk, and waits for a task (a timer)
   * before deciding what follows an attempt.
   */
  taskPerEvent?: boolean
  /** One-shot mode only: the body ended cleanly, readyState is now CLOSED. */
  end?(): void
  /**
   * Backpressure: called after each chunk's events; the next read waits for
   * the returned promise. `fetchEvents()` uses it to read only as fast as its
   * consumer iterates.
   */
  drain?(): Promise<void> | undefined
}

/** Everything fixed at construction (§9.2.2 steps 5–13, plus our options). */
export interface ConnectionOptions extends RequestOptions {
  /**
   * The URL of the event source, serialized (a parsed `URL` costs 168 bytes
   * per connection in Node, held for its whole life; the string is shared
   * with `EventSource#url`).
   */
  url: string
  /** The `fetch` to use. */
  fetch: typeof fetch
  /** The initial last event ID string (the spec's is empty). */
  lastEventId: string
  /** Reconnection settings, defaults filled in. */
  retry: RetryPolicy
  /** Milliseconds without a byte before the attempt counts as a network error; 0 = off. */
  inactivityTimeout: number
  /** The most characters an unfinished line or event may hold. */
  maxBufferSize: number
  /**
   * One-shot (`fetchEvents()`): a clean end of body ends the stream instead of
   * reconnecting, and a broken one is resumed only when there is an id.
   */
  oneShot: boolean
  /**
   * The owner's signal, aborted whenever the connection must stop at once.
   * Given, and with no inactivity timeout, attempts fetch with it rather than
   * with an `AbortController` of their own: in Node a signal that fetch
   * listens to is an event target with two maps, several hundred bytes held
   * for as long as the stream is open.
   *
   * The owner must then call `close()` only after aborting it, or while a
   * body is being read (cancelling the reader ends that). A `close()` while
   * the fetch waits for a response could not abort it: the response would
   * be discarded when it came.
   */
  signal?: AbortSignal
}

/** How an attempt ended, which decides between reconnecting and failing. */
type Outcome =
  /** The body ended cleanly. */
  | { kind: 'end' }
  /**
   * A network error: no response, a body that broke, a timeout, an overflow.
   * `unusable`: the stream itself was at fault (an overflow), so the attempt
   * counts as failed for backoff and `limit` even though it opened — a
   * server resending an oversized event must not be re-downloaded at full rate.
   */
  | { kind: 'network'; message: string; cause: unknown; unusable?: boolean }
  /** A response that is not an event stream. */
  | { kind: 'response'; message: string; response: Response }

/**
 * One fetch and its processing; an attempt that is no longer the connection's
 * current one was superseded (close(), a timeout) and must surface nothing.
 * It also takes what the parser finds in its body: one object per attempt
 * rather than a closure per callback (idle connections' memory counts).
 */
class Attempt implements EventStreamHandlers {
  /**
   * Aborts this attempt's fetch; none when the owner's signal does
   * ({@link ConnectionOptions.signal}).
   */
  readonly controller: AbortController | undefined
  /** Whether the response was announced (readyState reached OPEN). */
  opened = false
  /** For the inactivity watchdog: when the last byte (or the request) happened. */
  lastActivity = 0
  watchdog: ReturnType<typeof setTimeout> | undefined = undefined
  /** Set when the watchdog aborted this attempt. */
  timedOut = false
  /** The body reader, once the response is being read. */
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined = undefined
  /** Decodes and parses the body, once it is being read. */
  decoder: EventStreamDecoder | undefined = undefined
  /** The handlers of every `read()` of the body, once it is being read. */
  onRead: ((chunk: ReadableStreamReadResult<Uint8Array>) => void) | undefined = undefined
  onBroken: ((cause: unknown) => void) | undefined = undefined
  /** The origin of the response's final URL, which every event carries. */
  origin = ''
  /**
   * The events of the chunk being parsed, as [message, lastEventId] pairs:
   * parsed first, then dispatched one by one, as the spec parses and then
   * queues a task per event. Reused for every chunk.
   */
  readonly pending: Array<EventSourceMessage | string> = []
  /** Set when an unfinished line or event outgrew `maxBufferSize`. */
  overflow: Error | undefined = undefined
  readonly #connection: Connection

  constructor(connection: Connection, ownController: boolean) {
    this.#connection = connection
    this.controller = ownController ? new AbortController() : undefined
  }

  onId(id: string): void {
    // Dispatch step 1: the last event ID string takes the buffer's value at
    // every block end, data or not.
    this.#connection.lastEventId = id
  }

  onEvent(message: EventSourceMessage): void {
    // Steps 4–5: the event carries the last event ID string of now.
    this.pending.push(message, this.#connection.lastEventId)
  }

  onRetry(milliseconds: number): void {
    // "set the event stream's reconnection time to that integer" — as soon as
    // the line is parsed, not at dispatch (status-reconnect.py sends
    // `retry: 2\n` with no blank line after it).
    this.#connection.reconnectionTime = Math.min(milliseconds, MAX_TIMER_DELAY)
  }

  onOverflow(error: Error): void {
    this.overflow = error
  }
}

/**
 * Ends an attempt: aborts its fetch and cancels its body reader. Aborting a
 * fetch errors its body, but a stream handed to fromReadableStream() (or a
 * custom fetch's) knows nothing of the signal: cancelling releases whatever
 * feeds it (a socket, a file).
 */
function abortAttempt(attempt: Attempt, reason?: unknown): void {
  clearTimeout(attempt.watchdog)
  attempt.controller?.abort(reason)
  void attempt.reader?.cancel(attempt.controller?.signal.reason ?? reason).catch(ignore)
}

/**
 * One event source's connection: create it, `start()` it, `close()` it.
 */
export class Connection {
  /** §9.2.2: CONNECTING at construction. */
  readyState: ReadyState = CONNECTING
  /** "A last event ID string. This must initially be the empty string." */
  lastEventId: string
  /** "A reconnection time, in milliseconds", replaced by the server's `retry:`. */
  reconnectionTime: number

  readonly #options: ConnectionOptions
  readonly #sink: ConnectionSink
  // The URL the next attempt fetches. html #503: a reconnect goes to the
  // request's current URL, i.e. the final URL after redirects (Chromium keeps
  // the same `current_url_`).
  #requestUrl: string
  #attempt: Attempt | undefined
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  // Consecutive attempts that ended without reaching `open` (for backoff and limit).
  #failures = 0

  constructor(options: ConnectionOptions, sink: ConnectionSink) {
    this.#options = options
    this.#sink = sink
    this.#requestUrl = options.url
    this.lastEventId = options.lastEventId
    this.reconnectionTime = options.retry.delay
  }

  /** §9.2.2 step 15: "Fetch request". */
  start(): void {
    this.#run()
  }

  /**
   * "The close() method must abort any instances of the fetch algorithm
   * started for this EventSource object, and must set the readyState attribute
   * to CLOSED." No event is fired.
   */
  close(): void {
    this.readyState = CLOSED
    clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = undefined
    const attempt = this.#attempt
    this.#attempt = undefined
    if (attempt !== undefined) abortAttempt(attempt)
  }

  /**
   * One attempt, from the request to the decision that follows it. No promise
   * waits for it: #fetchAndProcess hands the body to #interpretBody, whose
   * reactions to each read go on from there, and whichever ends the attempt
   * calls #conclude. So an idle connection holds one pending read and nothing
   * chained to it.
   */
  #run(): void {
    const options = this.#options
    // The owner's signal serves only while no watchdog needs to abort on its own.
    const attempt = new Attempt(this, options.signal === undefined || options.inactivityTimeout > 0)
    this.#attempt = attempt
    this.#startWatchdog(attempt)
    void this.#fetchAndProcess(attempt)
  }

  /**
   * The end of an attempt: unless it was superseded, reestablish, fail or end
   * as the outcome says. `undefined`: close() or a newer attempt took over, or
   * the attempt already failed; nothing of it may surface.
   */
  #conclude(attempt: Attempt, outcome: Outcome | undefined): void {
    clearTimeout(attempt.watchdog)
    if (outcome === undefined || this.#attempt !== attempt) return
    this.#attempt = undefined
    const opened = attempt.opened
    // Reestablishing and failing both begin with "queue a task" (§9.2.3), so
    // the listeners of the last event, and every microtask they queue, are
    // done before `error` fires: an EventSource waits for a real task (a
    // timer). fetchEvents() has no listeners to wait for.
    if (this.#sink.taskPerEvent === true) setTimeout(() => this.#decideSafely(outcome, opened), 0)
    else this.#decideSafely(outcome, opened)
  }

  #decideSafely(outcome: Outcome, opened: boolean): void {
    this.#decide(outcome, opened).catch((cause: unknown) => {
      // A throwing shouldRetry or sink while deciding: fail rather than hang.
      this.#fail(unexpected(cause))
    })
  }

  /**
   * Only a bug of ours, a throwing provider or sink gets here: never leave the
   * object half-open, fail it with the reason attached.
   */
  #crash(attempt: Attempt, cause: unknown): void {
    clearTimeout(attempt.watchdog)
    if (this.#attempt === attempt) this.#fail(unexpected(cause))
  }

  /** Fetches, checks and announces the response, then starts reading it. Never rejects. */
  async #fetchAndProcess(attempt: Attempt): Promise<void> {
    try {
      const result = await this.#fetchResponse(attempt)
      // This frame ends here; the reactions to the body's reads conclude the attempt.
      if (result?.kind === 'announced') this.#interpretBody(result.response, attempt)
      else this.#conclude(attempt, result)
    } catch (cause) {
      this.#crash(attempt, cause)
    }
  }

  /**
   * The fetch and the checks of §9.2.3 up to "announce the connection": the
   * response to read, or the outcome of an attempt that ends here.
   */
  async #fetchResponse(attempt: Attempt): Promise<Outcome | { kind: 'announced'; response: Response } | undefined> {
    const signal = attempt.controller?.signal ?? this.#options.signal
    let init: RequestInit
    try {
      init = await buildRequestInit(
        this.#options,
        this.lastEventId,
        signal,
        this.#requestUrl !== this.#options.url && originOf(this.#requestUrl) !== originOf(this.#options.url),
      )
    } catch (cause) {
      // A header or body provider that throws, or returns a value no header
      // may hold, is a bug to surface, not a network error to retry forever.
      if (this.#attempt === attempt) this.#fail({ message: `Cannot build the request: ${errorText(cause)}`, cause })
      return undefined
    }
    if (this.#attempt !== attempt) return undefined

    let response: Response
    try {
      response = await this.#options.fetch(this.#requestUrl, init)
    } catch (cause) {
      // "If res is an aborted network error, then fail the connection." Only
      // close() aborts without a timeout, and it already made readyState
      // CLOSED, so failing would fire nothing: there is nothing left to do.
      if (this.#attempt !== attempt) return undefined
      // "Otherwise, if res is a network error, then reestablish the
      // connection, unless the user agent knows that to be futile, in which
      // case the user agent may fail the connection."
      const message = attempt.timedOut
        ? `No response from ${this.#requestUrl} within ${this.#options.inactivityTimeout} ms`
        : `Failed to fetch ${this.#requestUrl}: ${errorText(cause)}`
      if (!isFetchableScheme(this.#requestUrl)) {
        this.#fail({ message, cause })
        return undefined
      }
      return { kind: 'network', message, cause }
    }
    attempt.lastActivity = now()

    if (this.#attempt !== attempt) {
      discardBody(response)
      return undefined
    }

    // "Otherwise, if res's status is not 200, or if res's `Content-Type` is
    // not `text/event-stream`, then fail the connection." This covers 204,
    // which the intro names as the way to tell a client to stop reconnecting.
    const contentType = response.headers.get('content-type')
    if (response.status !== 200 || !isEventStream(contentType)) {
      discardBody(response)
      const message =
        response.status !== 200
          ? `EventSource response has status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, expected 200`
          : `EventSource response has Content-Type ${contentType === null ? '(none)' : `'${contentType}'`}, expected 'text/event-stream'`
      return { kind: 'response', message, response }
    }

    // A redirect changes the URL that reconnects go to and the origin events carry.
    if (response.url !== '' && response.url !== this.#requestUrl) this.#requestUrl = response.url

    // "Otherwise, announce the connection and interpret res's body line by line."
    this.#announce(response, attempt)
    if (this.#attempt !== attempt) {
      discardBody(response)
      return undefined
    }
    return { kind: 'announced', response }
  }

  /**
   * "When a user agent is to announce the connection, the user agent must
   * queue a task which, if the readyState attribute is set to a value other
   * than CLOSED, sets the readyState attribute to OPEN and fires an event
   * named open at the EventSource object."
   */
  #announce(response: Response, attempt: Attempt): void {
    if (this.readyState === CLOSED) return
    this.readyState = OPEN
    attempt.opened = true
    this.#sink.open(response)
  }

  /**
   * "interpret res's body line by line" (§9.2.6) until it ends or breaks,
   * then conclude the attempt. A chain of reactions to `read()` rather than
   * an async loop: an idle connection then holds one pending read and its two
   * handlers, not a suspended frame with its registers and the two functions
   * of its `await` (about 0.6 KB less per open stream in Node).
   */
  #interpretBody(response: Response, attempt: Attempt): void {
    const reader = this.#openBody(response, attempt)
    if (reader === undefined) return
    // Made once per response, reused for every read.
    attempt.onRead = (chunk) => this.#onRead(attempt, reader, chunk)
    attempt.onBroken = (cause) => this.#onBroken(attempt, cause)
    this.#read(attempt, reader)
  }

  #read(attempt: Attempt, reader: ReadableStreamDefaultReader<Uint8Array>): void {
    void reader.read().then(attempt.onRead, attempt.onBroken)
  }

  /** Hot path: once per network chunk. */
  #onRead(attempt: Attempt, reader: ReadableStreamDefaultReader<Uint8Array>, chunk: ReadableStreamReadResult<Uint8Array>): void {
    try {
      if (chunk.done) {
        this.#conclude(attempt, this.#endOfBody(attempt))
        return
      }
      const dispatching = this.#takeChunk(attempt, chunk.value)
      if (dispatching === undefined) this.#afterEvents(attempt, reader)
      else this.#afterEventsOnce(dispatching, attempt, reader)
    } catch (cause) {
      this.#crash(attempt, cause)
    }
  }

  /**
   * After a chunk's events: conclude if a listener closed the source or the
   * chunk overflowed the buffer; else read on, once the sink has drained
   * (asked again after a drain, when it has nothing left to wait for).
   */
  #afterEvents(attempt: Attempt, reader: ReadableStreamDefaultReader<Uint8Array>): void {
    try {
      attempt.pending.length = 0
      if (this.#attempt !== attempt) {
        this.#conclude(attempt, undefined)
        return
      }
      const overflow = attempt.overflow
      if (overflow !== undefined) {
        void reader.cancel(overflow).catch(ignore)
        this.#conclude(attempt, {
          kind: 'network',
          message: `EventSource stream broken: ${overflow.message}`,
          cause: overflow,
          unusable: true,
        })
        return
      }
      const drained = this.#sink.drain?.()
      if (drained === undefined) this.#read(attempt, reader)
      else this.#afterEventsOnce(drained, attempt, reader)
    } catch (cause) {
      this.#crash(attempt, cause)
    }
  }

  /** #afterEvents once `settled` (the events dispatched as tasks, the sink drained) settles. */
  #afterEventsOnce(settled: Promise<void>, attempt: Attempt, reader: ReadableStreamDefaultReader<Uint8Array>): void {
    settled.then(
      () => this.#afterEvents(attempt, reader),
      (cause: unknown) => this.#crash(attempt, cause),
    )
  }

  /** A body that breaks mid-stream. */
  #onBroken(attempt: Attempt, cause: unknown): void {
    try {
      // A network error; browsers reestablish, as for a fetch that never got
      // a response. Unless close() or the watchdog ended the attempt first.
      if (this.#attempt !== attempt) {
        this.#conclude(attempt, undefined)
        return
      }
      const message = attempt.timedOut ? this.#idleMessage() : `EventSource connection lost: ${errorText(cause)}`
      this.#conclude(attempt, { kind: 'network', message, cause })
    } catch (error) {
      this.#crash(attempt, error)
    }
  }

  /** The reader of an announced body, or `undefined` when the attempt ended here. */
  #openBody(response: Response, attempt: Attempt): ReadableStreamDefaultReader<Uint8Array> | undefined {
    try {
      attempt.decoder = createEventStreamDecoder(attempt, this.#options.maxBufferSize)
      const body = response.body
      if (body === null) {
        this.#conclude(attempt, { kind: 'end' })
        return undefined
      }
      const reader = body.getReader()
      attempt.reader = reader
      // Dispatch step 5: "the serialization of the origin of the event stream's
      // final URL (i.e., the URL after redirects)". Computed once per response.
      attempt.origin = originOf(this.#requestUrl)
      return reader
    } catch (cause) {
      this.#crash(attempt, cause)
      return undefined
    }
  }

  /**
   * Parses one chunk and dispatches its events; a promise when they go out
   * one task at a time. Hot path: once per chunk.
   */
  #takeChunk(attempt: Attempt, bytes: Uint8Array): Promise<void> | undefined {
    if (this.#options.inactivityTimeout > 0) attempt.lastActivity = now()
    ;(attempt.decoder as EventStreamDecoder).push(bytes)
    const pending = attempt.pending
    const sink = this.#sink
    if (sink.taskPerEvent === true) return this.#dispatchAsTasks(pending, attempt.origin, attempt)
    // Hot path: one iteration per event.
    for (let index = 0; index < pending.length; index += 2) {
      // Step 8: "if the readyState attribute is set to a value other than
      // CLOSED, dispatches the newly created event". A listener may have
      // called close() for an earlier event of the same chunk.
      if (this.#attempt !== attempt) break
      sink.message(pending[index] as EventSourceMessage, pending[index + 1] as string, attempt.origin)
    }
    return undefined
  }

  /** What the end of a body means for its attempt. */
  #endOfBody(attempt: Attempt): Outcome | undefined {
    // Our own cancel() on abort ends a pending read as if the body had ended
    // (Deno and browsers get there before fetch errors the body): an aborted
    // attempt is never a clean end.
    if (this.#attempt !== attempt) return undefined
    if (attempt.timedOut) {
      return { kind: 'network', message: this.#idleMessage(), cause: attempt.controller?.signal.reason }
    }
    // processEventSourceEndOfBody: "if res is not a network error, then
    // reestablish the connection."
    return { kind: 'end' }
  }

  #idleMessage(): string {
    return `No data from ${this.#requestUrl} for ${this.#options.inactivityTimeout} ms`
  }

  /**
   * Dispatches the events of one chunk as the spec's separate tasks would be
   * seen (dispatch step 8): each after the microtasks that the listeners of
   * the previous one queued (task-per-event.ts). A promise only while some
   * are still to go.
   */
  #dispatchAsTasks(pending: Array<EventSourceMessage | string>, origin: string, attempt: Attempt): Promise<void> | undefined {
    return dispatchEach(pending.length / 2, (index) => {
      // A listener may have called close() for an earlier event.
      if (this.#attempt !== attempt) return false
      this.#sink.message(pending[2 * index] as EventSourceMessage, pending[2 * index + 1] as string, origin)
      return true
    })
  }

  /**
   * After an attempt: reestablish, fail, or (one-shot) end. The spec's rules
   * are the default; the retry policy and `shouldRetry` may refine them.
   */
  async #decide(outcome: Outcome, opened: boolean): Promise<void> {
    if (this.readyState === CLOSED) return
    const { retry, oneShot, method } = this.#options
    if (outcome.kind === 'end' && oneShot) {
      this.readyState = CLOSED
      this.#sink.end?.()
      return
    }
    const failed = !opened || (outcome.kind === 'network' && outcome.unusable === true)
    this.#failures = failed ? this.#failures + 1 : 0

    const response = outcome.kind === 'response' ? outcome.response : undefined
    const cause = outcome.kind === 'network' ? outcome.cause : undefined
    const message = outcome.kind === 'end' ? 'EventSource stream ended' : outcome.message

    // The spec: reestablish after an end of body or a network error, fail on
    // any response that is not an event stream.
    let willRetry = outcome.kind !== 'response' || retry.statusCodes.has(outcome.response.status)
    if (!retry.enabled || this.#failures >= retry.limit) willRetry = false
    // A one-shot stream resumes only what it can resume: one that gave an id.
    if (oneShot && this.lastEventId === '') willRetry = false
    // Never pay twice for a non-idempotent request (an LLM POST): re-send it
    // only when the stream gave an id to resume from.
    if (method.toUpperCase() !== 'GET' && this.lastEventId === '') willRetry = false

    const retryAfter = response === undefined ? undefined : parseRetryAfter(response.headers.get('retry-after'))
    let delay = computeDelay(retry, this.reconnectionTime, this.#failures, retryAfter)

    if (retry.shouldRetry !== undefined) {
      let decision = retry.shouldRetry({
        attempt: this.#failures,
        delay,
        willRetry,
        ...(response === undefined ? {} : { status: response.status, response }),
        ...(cause === undefined ? {} : { error: cause }),
        lastEventId: this.lastEventId,
      })
      if (typeof decision === 'object') {
        decision = await decision
        // close() may have run while the user's policy was thinking.
        if (this.#isClosed()) return
      }
      if (typeof decision === 'number') {
        willRetry = true
        delay = Math.min(Math.max(0, decision), MAX_TIMER_DELAY)
      } else {
        willRetry = decision === true
      }
    }

    const error = {
      message: willRetry ? `${message}; reconnecting in ${delay} ms` : message,
      ...(response === undefined ? {} : { status: response.status, response }),
      ...(cause === undefined ? {} : { cause }),
    }
    if (willRetry) this.#reestablish(error, delay)
    else this.#fail(error)
  }

  // A method, not an inline comparison, so TypeScript does not keep its
  // narrowing of readyState across an await.
  #isClosed(): boolean {
    return this.readyState === CLOSED
  }

  /** §9.2.3 "reestablish the connection", waiting `delay` (step 2 and 3). */
  #reestablish(error: Omit<ConnectionError, 'willReconnect'>, delay: number): void {
    // Step 1.1: "If the readyState attribute is set to CLOSED, abort the task."
    if (this.readyState === CLOSED) return
    // Steps 1.2–1.3: "Set the readyState attribute to CONNECTING. Fire an
    // event named error at the EventSource object."
    this.readyState = CONNECTING
    this.#sink.error({ ...error, willReconnect: true, reconnectDelay: delay })
    // The handler may have called close(); then nothing is scheduled.
    if (this.readyState !== CONNECTING) return
    // Step 2: "Wait a delay equal to the reconnection time of the event
    // source." Step 3: "Optionally, wait some more" (backoff, Retry-After,
    // jitter). The timer keeps Node, Deno and Bun alive while waiting, so a
    // script does not exit mid-reconnect.
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined
      // Step 5.1: "If the EventSource object's readyState attribute is not set
      // to CONNECTING, then return."
      if (this.readyState !== CONNECTING) return
      // Step 5.4: "Fetch request and process the response … as described
      // earlier in this section."
      this.#run()
    }, delay)
  }

  /**
   * "When a user agent is to fail the connection, the user agent must queue a
   * task which, if the readyState attribute is set to a value other than
   * CLOSED, sets the readyState attribute to CLOSED and fires an event named
   * error at the EventSource object. Once the user agent has failed the
   * connection, it does not attempt to reconnect."
   */
  #fail(error: Omit<ConnectionError, 'willReconnect'>): void {
    this.#attempt = undefined
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#sink.error({ ...error, willReconnect: false })
  }

  /**
   * The inactivity watchdog: aborts the attempt when no byte arrived for
   * `inactivityTimeout` ms, from the request on (headers that never come
   * count). It checks a timestamp rather than re-arming a timer per chunk, so
   * the per-chunk cost is one clock read.
   */
  #startWatchdog(attempt: Attempt): void {
    const timeout = this.#options.inactivityTimeout
    if (timeout <= 0) return
    attempt.lastActivity = now()
    const check = (): void => {
      if (this.#attempt !== attempt) return
      const idle = now() - attempt.lastActivity
      if (idle >= timeout) {
        attempt.timedOut = true
        abortAttempt(attempt, new DOMException(`No data for ${timeout} ms`, 'TimeoutError'))
      } else {
        attempt.watchdog = setTimeout(check, timeout - idle)
      }
    }
    attempt.watchdog = setTimeout(check, timeout)
  }
}

/** Frees the connection of a response we will not read. */
function discardBody(response: Response): void {
  if (response.body !== null && !response.bodyUsed) void response.body.cancel().catch(ignore)
}

/** Why the connection failed when something threw that should not have. */
function unexpected(cause: unknown): Omit<ConnectionError, 'willReconnect'> {
  return { message: `EventSource error: ${errorText(cause)}`, cause }
}

/** The serialized origin of a serialized URL (an opaque origin is `"null"`). */
function originOf(href: string): string {
  return new URL(href).origin
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    // undici hides the socket error ("other side closed") behind "fetch failed".
    const cause = (error as Error & { cause?: unknown }).cause
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
  }
  try {
    return String(error)
  } catch {
    // A stream may be errored with anything, even an object with no way to
    // become a string (Object.create(null)); the error event must still fire.
    return Object.prototype.toString.call(error)
  }
}

const now: () => number =
  typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : Date.now

function ignore(): void {}
