/**
 * The processing model of an event source (HTML §9.2.3 and §9.2.6), once, for
 * every surface: both `EventSource` classes and `fetchEvents()`.
 *
 * Read top to bottom, {@link Connection} runs one attempt: build the request,
 * fetch, check the status and MIME type, announce, then read → decode →
 * parse → dispatch each chunk until the body ends or breaks; then reestablish
 * or fail. A surface differs only by what it passes in:
 *
 * - {@link ConnectionOptions}: the request, the retry policy, the watchdog,
 *   the buffer bound. Left out, each is the browser's; the lite class passes
 *   only the URL and `withCredentials`, so its bundle holds none of them.
 * - a {@link ConnectionSink}, which is the mode: how a chunk's events go out
 *   (DOM events, a task each; or an iterator's queue, read only as fast as it
 *   is consumed), and whether a clean end of the body ends the stream.
 *
 * The model reports facts (an {@link ErrorKind}, the response, the cause);
 * errors.ts turns them into sentences.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 */
import type { EventSourceMessage } from 'eventsource-parser'
import type { ErrorKind } from './errors.js'
import { createEventStreamDecoder, type EventStreamDecoder, type EventStreamHandlers } from './event-stream.js'
import { readErrorBody } from './error-body.js'
import { isEventStream } from './mime.js'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state.js'
import { defaultTransport, type RequestContext, streamRequest, type UserRequest } from './request.js'
import { DEFAULT_RETRY_DELAY, MAX_TIMER_DELAY, type RetryPolicy, type Verdict } from './retry.js'
import { isFetchableScheme } from './url.js'
import { ignore } from './ignore.js'

export { CLOSED, CONNECTING, OPEN, type ReadyState }

/** How an attempt ended: facts, no sentences. */
export interface Outcome {
  kind: ErrorKind
  /** Whether the response was announced (readyState reached OPEN). */
  opened: boolean
  /** Where it went wrong, when not in the fetch or the body: building the request, or deciding what follows. */
  phase?: 'request' | 'policy'
  /** The response, for `status` and `content-type` (its body read into `body`, the rest cancelled). */
  response?: Response | undefined
  /** The first `errorBodyLimit` characters of that response's body. */
  body?: string
  /** The underlying exception: a network error, a timeout, a parse error. */
  cause?: unknown
  /** The `inactivityTimeout` that ran out, for `timeout`. */
  timeout?: number
}

/** Why the connection is reestablishing or has failed. */
export interface ConnectionError extends Outcome {
  /** The URL the attempt went to. */
  url: string
  /** Whether another attempt is scheduled. */
  willReconnect: boolean
  /** The wait before that attempt, in milliseconds. */
  reconnectDelay?: number
}

/** One chunk's events, as a sink receives them. */
export interface ChunkEvents {
  /** [message, lastEventId] pairs, flat: the events of the chunk, in order. */
  readonly pending: ReadonlyArray<EventSourceMessage | string>
  /** The serialized origin of the stream's final URL, which every event carries. */
  readonly origin: string
  /** False once the attempt is over (close() in a listener): dispatch nothing more. */
  readonly active: boolean
}

/** The mode of a connection: where what the spec says to fire goes. */
export interface ConnectionSink {
  /** "sets the readyState attribute to OPEN and fires an event named open". */
  open(response: Response): void
  /**
   * Dispatch step 8 for the events of one chunk. A promise when the next
   * read must wait for it: the events go out a task each, or the consumer
   * has not taken them yet (backpressure).
   */
  dispatch(chunk: ChunkEvents): Promise<void> | undefined
  /**
   * Reestablishing and failing both begin with "queue a task": an
   * `EventSource` runs `step` in a task of its own, so the listeners of the
   * last event and their microtasks are done first; an iterator, at once.
   */
  queueTask(step: () => void): void
  /** Reestablish step 1 (readyState now CONNECTING) or fail (now CLOSED): "fires an event named error". */
  error(error: ConnectionError): void
  /**
   * One-shot mode: the body ended cleanly and the stream is over (readyState
   * is now CLOSED). Without it, an end of body reestablishes, as the spec says.
   */
  end?(): void
}

/** What takes the chunks of a body, read by `readThen()`: the attempt. */
export interface BodyListener {
  /** The next chunk, or `null` at the end of the body. */
  onChunk(value: Uint8Array | null): void
  /** What broke the body. */
  onBodyError(cause: unknown): void
}

/**
 * A body's reader. The Node transport's light body (node-transport/body-stream.ts)
 * also has `readThen()`, which calls the attempt back with no promise per
 * read and no closure to hold while it waits, which matters to thousands of
 * streams in one process.
 */
type BodyReader = ReadableStreamDefaultReader<Uint8Array> & {
  readThen?(listener: BodyListener): void
}

/** Watches an attempt from its request on (watchdog.ts); given by `inactivityTimeout`. */
export interface Watchdog {
  /** Its `inactivityTimeout`, in ms. */
  readonly timeout: number
  watch(attempt: Attempt, connection: Connection): void
}

/**
 * What a surface passes in (§9.2.2 steps 5–13, plus this library's options).
 * Everything but the URL may be left out, and then is the browser's.
 */
export interface ConnectionOptions {
  /** The URL of the event source, serialized (a string is smaller to hold than a `URL`). */
  url: string
  /** Credentials mode "include" rather than "same-origin" (§9.2.2 step 7). */
  withCredentials: boolean
  /** The user's method, headers and body. None: the spec's GET. */
  request?: UserRequest | undefined
  /** Default: request.ts's `defaultTransport`, looked up at each attempt. */
  fetch?: typeof fetch | undefined
  /** The initial last event ID string (the spec's is empty). */
  lastEventId?: string | undefined
  /** What follows an ended attempt. None: the spec's rule, waiting the reconnection time. */
  retry?: RetryPolicy | undefined
  /** The inactivity watchdog. None: an attempt waits as long as its socket lives. */
  watchdog?: Watchdog | undefined
  /** The most characters an unfinished line or event may hold. Default 16 Mi. */
  maxBufferSize?: number | undefined
  /** How much of an error response's body to read for its error (error-body.ts). None: not read. */
  errorBodyLimit?: number | undefined
  /**
   * The owner's signal, aborted whenever the connection must stop at once.
   * Given, and with no watchdog, attempts fetch with it rather than with an
   * `AbortController` of their own, which in Node costs every open stream
   * several hundred bytes (bench/README.md). The owner must then call
   * `close()` only after aborting it, or while a body is being read: a
   * `close()` while the fetch waits for a response could not abort it.
   */
  signal?: AbortSignal | undefined
}

/**
 * One fetch and its processing. It also takes what the parser finds in its
 * body: one object per attempt rather than a closure per callback (an idle
 * connection's memory counts).
 */
export class Attempt implements EventStreamHandlers, ChunkEvents, BodyListener {
  /**
   * Aborts this attempt's fetch until its body is being read; none when the
   * owner's signal does. After that, cancelling the reader ends the body on
   * every transport, and an open stream need not hold the controller.
   */
  controller: AbortController | undefined
  /** Why the attempt was aborted (the watchdog's `TimeoutError`), for its outcome. */
  reason: unknown
  /** Cleared when the attempt is over: whatever of it still runs surfaces nothing. */
  active = true
  opened = false
  /** The watchdog's: when the last byte (or the request) came, its timer, and the timeout once it ran out. */
  lastActivity = 0
  watchdog: ReturnType<typeof setTimeout> | undefined
  timedOut = 0
  reader: BodyReader | undefined
  decoder: EventStreamDecoder | undefined
  /** The reactions to every `read()` of a reader without `readThen`, made once per response. */
  onResult: ((result: ReadableStreamReadResult<Uint8Array>) => void) | undefined
  onRejected: ((cause: unknown) => void) | undefined
  origin = ''
  /**
   * The chunk's events, parsed first and dispatched after, as the spec
   * parses and then queues a task per event. Reused for every chunk.
   */
  readonly pending: Array<EventSourceMessage | string> = []
  /** Set when an unfinished line or event outgrew `maxBufferSize`. */
  overflow: Error | undefined
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
    // "set the event stream's reconnection time to that integer" — when the
    // line is parsed, not at dispatch (status-reconnect.py sends `retry: 2\n`
    // with no blank line after it).
    this.#connection.reconnectionTime = Math.min(milliseconds, MAX_TIMER_DELAY)
  }

  onOverflow(error: Error): void {
    this.overflow = error
  }

  onChunk(value: Uint8Array | null): void {
    this.#connection.bodyChunk(this, value)
  }

  onBodyError(cause: unknown): void {
    this.#connection.bodyError(this, cause)
  }

  /**
   * Ends the attempt: aborts its fetch and cancels its body. Aborting a fetch
   * errors its body, but a stream from fromReadableStream() (or a custom
   * fetch's) knows nothing of the signal: cancelling frees what feeds it.
   */
  abort(reason?: unknown): void {
    clearTimeout(this.watchdog)
    this.controller?.abort(reason)
    this.reason = this.controller?.signal.reason ?? reason
    void this.reader?.cancel(this.reason).catch(ignore)
  }
}

/** One event source's connection: create it, `start()` it, `close()` it. */
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
  #url: string
  /** The attempt in flight, or ended and awaiting its decision. */
  #attempt: Attempt | undefined
  /** The wait before the next attempt (reestablish step 2). */
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Consecutive attempts that never reached `open` (or overflowed), for the policy. */
  #failures = 0
  /** Requests made so far, and whether one ever reached `open`, for the request's context and the policy. */
  #requests = 0
  #everOpened = false
  /** The response of the attempt before, when it failed with one: the request's context. */
  #refused: Response | undefined

  constructor(options: ConnectionOptions, sink: ConnectionSink) {
    this.#options = options
    this.#sink = sink
    this.#url = options.url
    this.lastEventId = options.lastEventId ?? ''
    this.reconnectionTime = options.retry?.delay ?? DEFAULT_RETRY_DELAY
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
    this.#stop()
  }

  /**
   * Stops quietly until {@link resume}: the attempt or the wait is dropped,
   * readyState is CONNECTING, and no `error` fires (a page entering the
   * back/forward cache, whatwg/html PR #12381; a hidden page that pauses).
   */
  suspend(): void {
    this.#reset(false)
  }

  /**
   * When suspended or waiting to reconnect: reconnect now, with
   * `Last-Event-ID`, the backoff count starting over (a page restored from the
   * cache, the network back). No-op while an attempt runs.
   */
  resume(): void {
    if (this.#attempt === undefined) this.#reset(true)
  }

  /** Unless closed: drop the current attempt quietly and start anew, now (the machine slept). */
  restart(): void {
    this.#reset(true)
  }

  #reset(now: boolean): void {
    if (this.readyState === CLOSED) return
    this.#stop()
    this.readyState = CONNECTING
    this.#failures = 0
    if (now) this.#run()
  }

  #stop(): void {
    clearTimeout(this.#timer)
    const attempt = this.#attempt
    this.#attempt = undefined
    if (attempt !== undefined) {
      attempt.active = false
      attempt.abort()
    }
  }

  #run(): void {
    const { signal, watchdog } = this.#options
    // The owner's signal serves only while no watchdog needs to abort on its own.
    const attempt = new Attempt(this, signal === undefined || watchdog !== undefined)
    this.#attempt = attempt
    watchdog?.watch(attempt, this)
    this.#process(attempt).then(
      (outcome) => outcome !== undefined && this.#conclude(attempt, outcome),
      (cause: unknown) => this.#crash(attempt, cause),
    )
  }

  /**
   * One attempt, from the request to the announcement; then the body is read
   * by #read. How it ended, or `undefined` when it goes on reading, when
   * close() (or another stop) ended it, or when it failed on the spot.
   */
  async #process(attempt: Attempt): Promise<Outcome | undefined> {
    const { request, withCredentials } = this.#options
    const url = this.#url
    let init: RequestInit
    try {
      // With no request options nothing is awaited: the fetch starts in the
      // constructor, as the browser's does.
      const { lastEventId } = this
      const attempt = ++this.#requests
      if (request === undefined) {
        init = streamRequest(withCredentials, lastEventId)
        // Said, not left to fetch's default: a custom `fetch` reads it.
        init.method = 'GET'
      } else {
        // What the user's header and body providers are told.
        const refused = this.#refused
        const context: RequestContext = refused === undefined ? { attempt, lastEventId } : { attempt, lastEventId, status: refused.status, response: refused }
        init = await request.build(context, url)
      }
    } catch (cause) {
      // A header or body provider that throws, or returns a value no header
      // may hold, is a bug to surface, not a network error to retry forever.
      return void this.#fail(attempt, { kind: 'network', opened: false, phase: 'request', cause })
    }
    if (!attempt.active) return
    init.signal = attempt.controller?.signal ?? this.#options.signal

    let response: Response
    try {
      response = await (this.#options.fetch ?? defaultTransport.fetch)(url, init)
    } catch (cause) {
      // "If res is an aborted network error, then fail the connection." Only
      // close() aborts without a timeout, and it already made readyState
      // CLOSED: nothing is left to do. "Otherwise, if res is a network error,
      // then reestablish the connection, unless the user agent knows that to
      // be futile, in which case the user agent may fail the connection":
      // Chromium fails URLs it cannot fetch (url.ts).
      const outcome = broken(attempt, cause)
      return isFetchableScheme(url) ? outcome : void this.#fail(attempt, outcome)
    }
    if (attempt.watchdog !== undefined) attempt.lastActivity = now()
    const body = response.body
    if (!attempt.active) return void body?.cancel().catch(ignore)
    // "Otherwise, if res's status is not 200, or if res's `Content-Type` is
    // not `text/event-stream`, then fail the connection." This covers 204,
    // which the intro names as the way to tell a client to stop reconnecting.
    // What the server said instead (an API's JSON error) goes with the error.
    const opened = response.status === 200 && isEventStream(response.headers.get('content-type'))
    if (!opened) {
      const text = await readErrorBody(response, this.#options.errorBodyLimit ?? 0, this.#options.watchdog?.timeout ?? ERROR_BODY_TIMEOUT)
      return attempt.active ? { kind: response.status === 200 ? 'content-type' : 'status', opened, response, body: text } : undefined
    }

    // A redirect changes the URL that reconnects go to and the origin events carry.
    // Kept when unchanged: the URL given is one string for the source and
    // its connection, where a response's url is a copy per attempt.
    if (response.url !== '' && response.url !== this.#url) this.#url = response.url
    // "Otherwise, announce the connection": "queue a task which, if the
    // readyState attribute is set to a value other than CLOSED, sets the
    // readyState attribute to OPEN and fires an event named open".
    this.readyState = OPEN
    attempt.opened = this.#everOpened = true
    this.#sink.open(response)
    if (body === null) return { kind: 'end', opened }
    attempt.reader = body.getReader()
    // An `open` listener may have called close().
    if (!attempt.active) return void attempt.reader.cancel().catch(ignore)
    // From here on abort() cancels the reader, which ends the body.
    attempt.controller = undefined

    // "… and interpret res's body line by line" (§9.2.6). Dispatch step 5:
    // events carry "the serialization of the origin of the event stream's
    // final URL (i.e., the URL after redirects)", once per response.
    attempt.origin = sharedOrigin(new URL(this.#url).origin)
    attempt.decoder = createEventStreamDecoder(attempt, this.#options.maxBufferSize)
    // Reactions to each read rather than a loop in this async function: an
    // idle stream then holds one pending read, not a suspended frame
    // (bench/README.md has the difference per connection).
    this.#read(attempt)
  }

  #read(attempt: Attempt): void {
    const reader = attempt.reader as BodyReader
    if (reader.readThen !== undefined) return reader.readThen(attempt)
    reader.read().then(
      (attempt.onResult ??= (result) => this.bodyChunk(attempt, result.done ? null : result.value)),
      (attempt.onRejected ??= (cause) => this.bodyError(attempt, cause)),
    )
  }

  /**
   * A body that breaks mid-stream is a network error: browsers reestablish,
   * as for a fetch that never got a response. Called by the attempt's reader.
   */
  bodyError(attempt: Attempt, cause: unknown): void {
    this.#conclude(attempt, broken(attempt, cause))
  }

  /**
   * Hot path, once per network chunk: decode and parse it, dispatch its
   * events, and read on once they are out (and taken, for an iterator).
   * Called by the attempt's reader.
   */
  bodyChunk(attempt: Attempt, chunk: Uint8Array | null): void {
    // A chunk that was on its way when the attempt was stopped.
    if (!attempt.active) return
    try {
      // "Once the end of the file is reached, any pending data must be
      // discarded" (the decoder holds it, unfed); processEventSourceEndOfBody:
      // "if res is not a network error, then reestablish the connection."
      // Our own cancel() on a stop ends a pending read the same way.
      if (chunk === null) return this.#conclude(attempt, attempt.timedOut > 0 ? broken(attempt, undefined) : { kind: 'end', opened: true })
      if (attempt.watchdog !== undefined) attempt.lastActivity = now()
      ;(attempt.decoder as EventStreamDecoder).push(chunk)
      const dispatching = attempt.pending.length > 0 ? this.#sink.dispatch(attempt) : undefined
      if (dispatching === undefined) this.#readOn(attempt)
      else dispatching.then(() => this.#readOn(attempt), (cause: unknown) => this.#crash(attempt, cause))
    } catch (cause) {
      this.#crash(attempt, cause)
    }
  }

  #readOn(attempt: Attempt): void {
    attempt.pending.length = 0
    // A listener called close(), or the watchdog ended the attempt meanwhile.
    if (!attempt.active) return
    const overflow = attempt.overflow
    if (overflow === undefined) return this.#read(attempt)
    // A line or event past the bound: the stream is unusable; stop reading it.
    void attempt.reader?.cancel(overflow).catch(ignore)
    this.#conclude(attempt, { kind: 'overflow', opened: true, cause: overflow })
  }

  /** The attempt is over: unless it was stopped, decide what follows, in a task (the sink's). */
  #conclude(attempt: Attempt, outcome: Outcome): void {
    if (!attempt.active) return
    attempt.active = false
    clearTimeout(attempt.watchdog)
    // Reestablishing and failing both begin with "queue a task".
    this.#sink.queueTask(() => this.#decide(attempt, outcome))
  }

  /** Only a bug of ours or a throwing sink gets here: never stay half-open. */
  #crash(attempt: Attempt, cause: unknown): void {
    if (attempt.active) this.#fail(attempt, { kind: 'network', opened: attempt.opened, phase: 'policy', cause })
  }

  /** After an attempt: reestablish, fail, or (one-shot) end. */
  #decide(attempt: Attempt, outcome: Outcome): void {
    // close(), suspend() or restart() came first: nothing of it surfaces.
    if (this.#attempt !== attempt) return
    const sink = this.#sink
    if (outcome.kind === 'end' && sink.end !== undefined) {
      this.#attempt = undefined
      this.readyState = CLOSED
      return sink.end()
    }
    this.#failures = outcome.opened && outcome.kind !== 'overflow' ? 0 : this.#failures + 1
    this.#refused = outcome.response
    const policy = this.#options.retry
    // The spec's rule: reestablish after the end of the body or a network
    // error, waiting the reconnection time; fail on a response that is not an
    // event stream. A policy may "optionally, wait some more" and refine it.
    let verdict: Verdict | Promise<Verdict> = outcome.response === undefined && this.reconnectionTime
    const fail = (cause: unknown): void => this.#fail(attempt, { ...outcome, phase: 'policy', cause })
    try {
      if (policy !== undefined) {
        verdict = policy.decide({
          ...outcome,
          failures: this.#failures,
          afterSuccess: this.#everOpened && this.#failures === 1,
          reconnectionTime: this.reconnectionTime,
          lastEventId: this.lastEventId,
        })
      }
    } catch (cause) {
      return fail(cause)
    }
    if (typeof verdict === 'object') verdict.then((value) => this.#reestablish(attempt, outcome, value), fail)
    else this.#reestablish(attempt, outcome, verdict)
  }

  /** §9.2.3 "reestablish the connection", after `delay` ms; `false`: fail it. */
  #reestablish(attempt: Attempt, outcome: Outcome, delay: Verdict): void {
    // close(), suspend() or restart() while the user's policy was thinking.
    if (this.#attempt !== attempt) return
    if (delay === false) return this.#fail(attempt, outcome)
    this.#attempt = undefined
    // Step 1.1: "If the readyState attribute is set to CLOSED, abort the
    // task." Steps 1.2–1.3: "Set the readyState attribute to CONNECTING. Fire
    // an event named error at the EventSource object."
    this.readyState = CONNECTING
    this.#sink.error({ ...outcome, url: this.#url, willReconnect: true, reconnectDelay: delay })
    // Step 2: "Wait a delay equal to the reconnection time of the event
    // source." Step 3: "Optionally, wait some more" (the policy's backoff,
    // Retry-After, jitter). The timer keeps Node, Deno and Bun alive while
    // waiting, so a script does not exit mid-reconnect. Step 5.1: "If the
    // EventSource object's readyState attribute is not set to CONNECTING,
    // then return." Step 5.4: "Fetch request and process the response … as
    // described earlier in this section." The handler may have called close().
    if (this.readyState === CONNECTING && this.#attempt === undefined) {
      this.#timer = setTimeout(() => this.readyState === CONNECTING && this.#run(), delay)
    }
  }

  /**
   * "When a user agent is to fail the connection, the user agent must queue a
   * task which, if the readyState attribute is set to a value other than
   * CLOSED, sets the readyState attribute to CLOSED and fires an event named
   * error at the EventSource object. Once the user agent has failed the
   * connection, it does not attempt to reconnect."
   */
  #fail(attempt: Attempt, outcome: Outcome): void {
    attempt.active = false
    attempt.abort()
    this.#attempt = undefined
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#sink.error({ ...outcome, url: this.#url, willReconnect: false })
  }
}

/** How long an error response's body may take when there is no `inactivityTimeout`. */
const ERROR_BODY_TIMEOUT = 3000

/** What a network error means: our watchdog ran out, someone else aborted, or the network. */
function broken(attempt: Attempt, cause: unknown): Outcome {
  const { opened, timedOut } = attempt
  if (timedOut > 0) return { kind: 'timeout', opened, cause: attempt.reason ?? cause, timeout: timedOut }
  const name = (cause as { name?: unknown } | null)?.name
  return { kind: name === 'AbortError' || name === 'TimeoutError' ? 'aborted' : 'network', opened, cause }
}

// The origin last computed, so that the streams of a process that follow
// one origin (10 000 of them, say) hold one string for it, not a copy each.
let lastOrigin = ''

/** `origin`, or the equal string computed before it. */
function sharedOrigin(origin: string): string {
  if (origin !== lastOrigin) lastOrigin = origin
  return lastOrigin
}

/** A clock for the watchdog: monotonic where the runtime has one. */
export const now: () => number =
  typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : Date.now
