/**
 * `fetchEvents()`: a one-shot event stream as an async iterable — the shape
 * of an LLM response, a job's progress, an export.
 *
 * It runs the same processing model as `EventSource` ({@link Connection})
 * with a one-shot sink: a clean end of body ends the iteration instead of
 * reconnecting, a broken body is resumed only when the stream gave an id (its
 * retry policy needs one), and a chunk is read only once the loop has taken
 * the events of the one before.
 */
import type { EventSourceMessage } from 'eventsource-parser'
import { type ChunkEvents, Connection, type ConnectionError, type ConnectionSink } from './connection.js'
import { errorInit, EventStreamError } from './errors.js'
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
 * - Nothing is sent before the first `next()`. Calls made before an earlier
 *   one settled are answered in order, as by an `async function*`.
 *
 * @example
 * ```ts
 * import { fetchEvents } from 'eventsource-kit'
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
export function fetchEvents(input: string | URL, init: EventSourceInit = {}): AsyncGenerator<StreamEvent, void, undefined> {
  return new EventIterator(input, init)
}

type Result = IteratorResult<StreamEvent, void>

/** The queue when nothing is in it. */
const NONE: ReadonlyArray<EventSourceMessage | string> = []

/** What a call to `next()`, `return()` or `throw()` asked for. */
const NEXT = 0
const RETURN = 1
const THROW = 2

// What the iterator makes per call and per event is made by a constructor
// or `new Object()`, never by an object literal. Why: a literal is an
// allocation site, and when a scavenge finds most of what one site made
// still alive (thousands of iterators waiting for their first event), V8
// allocates everything that site makes from then on in the old generation.
// An old result then keeps its event and the event's data alive through
// every scavenge too: old-generation garbage on each event, which only a
// full GC frees, growing the RSS of a process holding many streams
// (bench/README.md, "tick"). The objects are the same plain objects.

/** A call that could not be answered when it was made, waiting its turn. */
class PendingCall {
  readonly kind: typeof NEXT | typeof RETURN | typeof THROW
  /** The argument of `return()` or `throw()`. */
  readonly value: unknown
  readonly resolve: (result: Result) => void
  readonly reject: (reason: unknown) => void

  constructor(kind: PendingCall['kind'], value: unknown, resolve: (result: Result) => void, reject: (reason: unknown) => void) {
    this.kind = kind
    this.value = value
    this.resolve = resolve
    this.reject = reject
  }
}

/** `{ value: event, done: false }`, without a literal (see above). */
function eventResult(event: StreamEvent): Result {
  const result = new Object() as { value: StreamEvent; done: false }
  result.value = event
  result.done = false
  return result
}

/** `{ type, data, lastEventId }`, without a literal (see above). */
function streamEvent(type: string, data: string, lastEventId: string): StreamEvent {
  const event = new Object() as StreamEvent
  event.type = type
  event.data = data
  event.lastEventId = lastEventId
  return event
}

/** Where the iterator is, in the terms of an async generator's states. */
const NOT_STARTED = 0
const RUNNING = 1
const DONE = 2

// %AsyncIteratorPrototype%, which every native async generator inherits from.
// Inheriting it too gives the iterator exactly what the runtime gives those:
// `[Symbol.asyncDispose]` (calling `return()`) where the runtime has it
// (Node 24) and nothing where it has not (Node 20), so `await using` works
// wherever it worked with the async generator this class replaces.
const asyncIteratorPrototype: object = Object.getPrototypeOf(Object.getPrototypeOf((async function* () {}).prototype))
function AsyncIteratorBase(): void {}
AsyncIteratorBase.prototype = asyncIteratorPrototype
// Typed as the one thing the class takes from that prototype and does not
// define itself: `[Symbol.asyncDispose]`, in the libs that declare it (none
// in others). Nothing else, so the compiler still checks that the class
// defines next/return/throw/[Symbol.asyncIterator] itself.
const AsyncIteratorObjectBase = AsyncIteratorBase as unknown as abstract new () => Omit<
  AsyncIteratorObject<StreamEvent, void, undefined>,
  'next' | 'return' | 'throw' | typeof Symbol.asyncIterator
>

/**
 * The async iterator behind {@link fetchEvents}: what its `async function*`
 * did, without the promise ticks a generator costs per event (resume, await
 * the yielded value, settle). When an event is queued, `next()` answers with
 * an already-resolved promise, so a `for await` step costs one tick.
 *
 * It keeps the generator's semantics: nothing runs before the first `next()`
 * (the URL and headers are checked there, and an aborted signal throws
 * there); calls made while an earlier one is unanswered wait their turn;
 * `return()` and `throw()` end it as the generator's `finally` did, aborting
 * the request and forgetting the signal.
 */
class EventIterator extends AsyncIteratorObjectBase implements AsyncGenerator<StreamEvent, void, undefined> {
  #state: typeof NOT_STARTED | typeof RUNNING | typeof DONE = NOT_STARTED
  // Read on the first next(), as the generator's body read them then: a bad
  // URL or header throws there, not at the call. Let go of once read: the
  // connection keeps what it needs, and the caller's init is not held twice.
  #input: string | URL | undefined
  #init: EventSourceInit | undefined
  #signal: AbortSignal | undefined
  #connection: Connection | undefined
  // Also the listener for the signal's abort, so that needs no closure.
  #sink: EventListenerObject | undefined
  // Events of the current chunk wait here until the loop takes them; the
  // connection does not read the next chunk before the queue is empty. An
  // index rather than shift(): taking an event must stay O(1).
  /**
   * The events not yet taken, as the connection reports them: [message,
   * lastEventId] pairs, flat, from `#head` on. Usually the chunk's own array,
   * adopted rather than copied (the connection refills it only once it is
   * drained); the StreamEvent is made when `next()` takes it.
   */
  #queue: ReadonlyArray<EventSourceMessage | string> = NONE
  #head = 0
  // Calls not answered yet: the oldest, then the others in order. A slot
  // rather than an array for the one an idle stream has (an array that has
  // held an element keeps its backing store); none on the hot path.
  #waiting: PendingCall | undefined = undefined
  #later: PendingCall[] | undefined = undefined
  #ended = false
  #failure: ConnectionError | undefined
  // Resolves the connection's wait for the queue to drain.
  #drained: (() => void) | undefined
  // Set while return() awaits the value it was given: later calls wait for it,
  // as a generator's do.
  #awaitingReturn = false
  // Set while #settle() runs, so a sink call it causes (directly or through the
  // connection) does not answer the same call twice.
  #settling = false

  /**
   * What the connection reports, turned into answers to waiting calls. A
   * class rather than an object of closures, so an idle stream holds one
   * small object for it; nested, so it reaches the iterator's private state.
   */
  static readonly #Sink = class implements ConnectionSink {
    readonly #iterator: EventIterator

    constructor(iterator: EventIterator) {
      this.#iterator = iterator
    }

    open(): void {}

    // The async generator this class replaces could take a chunk's events
    // only after the connection had queued them all, so the connection waits
    // after every chunk with events until the loop has asked past them.
    // Events handed straight to a waiting call count too: #settle() empties
    // the queue whenever a call finds nothing left in it, so a non-empty
    // queue means no call is waiting beyond this chunk's events.
    // Hot path: one call per chunk, which hands its events over as they are.
    // No listener runs in between, so nothing can close the connection
    // before they are queued.
    dispatch(chunk: ChunkEvents): Promise<void> | undefined {
      const iterator = this.#iterator
      const { pending } = chunk
      if (iterator.#head >= iterator.#queue.length) {
        iterator.#queue = pending
        iterator.#head = 0
      } else if (pending !== iterator.#queue) {
        // Events of another attempt while the loop still takes the ones
        // before: both, in order. (The connection reads, and so reconnects,
        // only after a drain, so this is a guard, not a path taken today.)
        iterator.#queue = iterator.#queue.slice(iterator.#head).concat(pending)
        iterator.#head = 0
      }
      if (iterator.#waiting !== undefined) iterator.#settle()
      // The next read waits until a next() finds the queue drained, even when
      // a waiting next() took the last event just now (one read per event
      // taken, none ahead); unless more calls waited, and #settle drained it.
      return iterator.#queue !== NONE ? new Promise<void>((resolve) => (iterator.#drained = resolve)) : undefined
    }

    queueTask(step: () => void): void {
      step()
    }

    error(error: ConnectionError): void {
      // A reconnect in progress is invisible to the loop; a failure ends it.
      if (!error.willReconnect) {
        this.#iterator.#failure = error
        this.#iterator.#settle()
      }
    }

    end(): void {
      this.#iterator.#ended = true
      this.#iterator.#settle()
    }

    /** The `abort` of the caller's signal: stop now, answer what waits. */
    handleEvent(): void {
      this.#iterator.#connection?.close()
      this.#iterator.#settle()
    }
  }

  constructor(input: string | URL, init: EventSourceInit) {
    super()
    this.#input = input
    this.#init = init
  }

  /** The next event; `done` once the stream ended. Rejects with `EventStreamError` when it failed. */
  next(): Promise<Result> {
    // Hot path: an event is waiting and no earlier call is.
    if (this.#head < this.#queue.length && this.#waiting === undefined) {
      return Promise.resolve(eventResult(this.#take()))
    }
    return this.#call(NEXT, undefined)
  }

  /** Ends the iteration and aborts the request (what `break` calls). */
  return(value?: void | PromiseLike<void>): Promise<Result> {
    return this.#call(RETURN, value)
  }

  /** Ends the iteration, aborts the request and rejects with `error`. */
  throw(error: unknown): Promise<Result> {
    return this.#call(THROW, error)
  }

  // The inherited one returns `this` too; this one is typed as AsyncGenerator
  // wants (itself back, not an AsyncIteratorObject).
  [Symbol.asyncIterator](): this {
    return this
  }

  #call(kind: PendingCall['kind'], value: unknown): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const call = new PendingCall(kind, value, resolve, reject)
      if (this.#waiting === undefined) this.#waiting = call
      else (this.#later ??= []).push(call)
      this.#settle()
    })
  }

  /**
   * Answers waiting calls in order, as far as possible now; called again when
   * an event, the end, a failure or the abort arrives.
   */
  #settle(): void {
    if (this.#settling) return
    this.#settling = true
    try {
      for (let call = this.#waiting; call !== undefined && !this.#awaitingReturn; call = this.#waiting) {
        if (call.kind !== NEXT) {
          this.#shift()
          this.#end(call)
          continue
        }
        if (this.#state === NOT_STARTED) {
          try {
            this.#start()
          } catch (error) {
            // As the generator's body threw on its first run: it is over.
            this.#shift()
            this.#finish()
            call.reject(error)
            continue
          }
        }
        if (this.#head < this.#queue.length) {
          this.#shift()
          call.resolve(eventResult(this.#take()))
          continue
        }
        if (this.#state === DONE) {
          this.#shift()
          call.resolve({ value: undefined, done: true })
          continue
        }
        // The queue is drained: let the connection read the next chunk.
        this.#queue = NONE
        this.#head = 0
        const resume = this.#drained
        this.#drained = undefined
        resume?.()
        const signal = this.#signal
        if (signal?.aborted === true) {
          this.#shift()
          this.#finish()
          call.reject(signal.reason)
        } else if (this.#failure !== undefined) {
          this.#shift()
          const error = new EventStreamError(errorInit(this.#failure, 'fetchEvents()'))
          this.#finish()
          call.reject(error)
        } else if (this.#ended) {
          this.#shift()
          this.#finish()
          call.resolve({ value: undefined, done: true })
        } else {
          // Nothing to answer with yet; the sink calls back.
          return
        }
      }
    } finally {
      this.#settling = false
    }
  }

  /** The oldest queued event, made a StreamEvent now: it lives only as long as the loop keeps it. */
  #take(): StreamEvent {
    const queue = this.#queue
    const head = this.#head
    this.#head = head + 2
    const message = queue[head] as EventSourceMessage
    return streamEvent(message.event ?? 'message', message.data, queue[head + 1] as string)
  }

  /** The oldest waiting call is answered: the next one becomes the oldest. */
  #shift(): void {
    const later = this.#later
    this.#waiting = later?.shift()
    if (later?.length === 0) this.#later = undefined
  }

  /** `return()` or `throw()`: what the generator's `finally` did, then the answer. */
  #end(call: PendingCall): void {
    this.#finish()
    if (call.kind === THROW) {
      call.reject(call.value)
      return
    }
    // A generator's return() awaits its argument before it answers, and
    // answers later calls only after that.
    this.#awaitingReturn = true
    Promise.resolve(call.value as void | PromiseLike<void>)
      .then(
        (value) => call.resolve({ value, done: true }),
        (reason: unknown) => call.reject(reason),
      )
      .then(() => {
        this.#awaitingReturn = false
        this.#settle()
      })
  }

  /** The generator body's first run: check the options, then send the request. */
  #start(): void {
    const input = this.#input as string | URL
    const init = this.#init as EventSourceInit
    this.#input = undefined
    this.#init = undefined
    const options = resolveConnectionOptions(parseEventSourceUrl(input), init, true)
    const signal = init.signal
    signal?.throwIfAborted()
    this.#state = RUNNING
    const sink = new EventIterator.#Sink(this)
    const connection = new Connection(options, sink)
    this.#connection = connection
    if (signal !== undefined) {
      this.#signal = signal
      this.#sink = sink
      // Before start(): a fetch given this signal (options.signal) adds its own
      // listener, and ours must close the connection before that one aborts it.
      signal.addEventListener('abort', sink, { once: true })
    }
    connection.start()
  }

  /**
   * The generator's `finally`: abort the request (a no-op once it ended),
   * forget the signal, drop what was queued.
   */
  #finish(): void {
    if (this.#state === DONE) return
    this.#state = DONE
    if (this.#sink !== undefined) this.#signal?.removeEventListener('abort', this.#sink)
    this.#sink = undefined
    this.#connection?.close()
    this.#queue = NONE
    this.#head = 0
    const resume = this.#drained
    this.#drained = undefined
    // The connection is closed, so its wait for the drain only needs ending
    // for it to see that and let go of the response.
    resume?.()
  }
}
