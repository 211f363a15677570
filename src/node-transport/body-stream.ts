/// <reference types="node" />
/**
 * A Node `Readable` (a response, a decoder, an HTTP/2 stream) as a body that
 * is read only as fast as its reader asks. Backpressure is the point: the
 * Node side is read in paused mode and nothing is read ahead, so when the
 * reader stops reading the source's buffer fills, the socket is paused and
 * TCP (or HTTP/2 flow control) stops the server. A gzip bomb inflates no
 * further ahead of the reader than the decoder's own buffer.
 *
 * Two shapes over one reading algorithm ({@link SourceReader}): the web
 * `ReadableStream` that `Response.body` is (`highWaterMark: 0`, so it holds no
 * chunk of its own), and a light body with only what the connection model
 * uses (`getReader()`, `read()` or `readThen()`, `cancel()`), without the web stream's own
 * objects per stream (measured in bench/transport-heap.mjs).
 */
import type { Readable } from 'node:stream'
import type { BodyListener } from '../connection.js'

type Result = ReadableStreamReadResult<Uint8Array>
const DONE: Result = { done: true, value: undefined }

/**
 * Reads a paused-mode source one chunk per call; the one home of the reading
 * rules. An idle stream holds one of these, one listener function and what
 * waits for the next chunk: an error, the end and a close are read off the
 * source itself (`errored`, `readableEnded`, `destroyed`) rather than kept by
 * a listener per event, since the idle heap per stream is one of this
 * transport's goals.
 */
export class SourceReader {
  readonly #source: Readable
  readonly #wrapError: (error: Error) => unknown
  /** What waits for the source, while a read does. */
  #listener: BodyListener | undefined = undefined
  /** What readThen() took from the source for an answer due in a microtask. */
  #taken: Uint8Array | null | undefined = undefined
  #failure: unknown = undefined

  /**
   * @param source - paused-mode readable; destroyed when the reader cancels
   * @param wrapError - what a source error becomes for the reader (fetch's
   *   `TypeError: terminated`, or the abort reason)
   */
  constructor(source: Readable, wrapError: (error: Error) => unknown) {
    this.#source = source
    this.#wrapError = wrapError
    // One function for every event that can settle a waiting read: new data,
    // the end, an error, and a close that came with neither. The error is
    // read off the source (`errored`, which Node sets before it emits
    // 'error'); the listener stays on, so a second error cannot reach the
    // process either. One module function for every source, which finds its
    // reader on the source: no closure per stream.
    ;(source as Readable & ReaderOwner)[READER] = this
    source.on('readable', wake)
    source.on('end', wake)
    source.on('error', wake)
    source.on('close', wake)
  }

  /** What a source's event, or an answer due, means to its reader (the module's `wake` listener and readThen() call it). */
  static wake(reader: SourceReader): void {
    reader.#wake()
  }

  /** The next chunk, the end, or a rejection with the failure. */
  read(): Promise<Result> {
    let value: Uint8Array | null | undefined
    try {
      value = this.#take()
    } catch (failure) {
      return Promise.reject(failure)
    }
    if (value !== undefined) return Promise.resolve(toResult(value))
    // Nothing buffered: wait for the next 'readable', 'end', 'error' or 'close'.
    return new Promise<Result>((resolve, reject) => {
      this.#listener = new PendingRead(resolve, reject)
    })
  }

  /**
   * `read().then(chunk => listener.onChunk(…), listener.onBodyError)`
   * without a promise per read, for the connection model, which passes its
   * attempt every time.
   *
   * Hot path, once per chunk. Why not promises: an idle stream would hold a
   * pending promise, its executor's two settlers and the reaction to it, for
   * nothing but waiting (bench/README.md has the heap per idle stream); here
   * what waits is one field, and a chunk costs no promise.
   *
   * Calls back later, never before it returns: a chunk already buffered goes
   * out in a microtask, so a reader that reads on from `onChunk` does not
   * recurse once per buffered chunk. A chunk that comes later goes out as it
   * comes, from the source's event.
   */
  readThen(listener: BodyListener): void {
    this.#listener = listener
    // A failure counts as an answer already here: #take keeps it and throws
    // it again when the answer is due.
    let here = true
    try {
      this.#taken = this.#take()
      here = this.#taken !== undefined
    } catch {}
    // An answer already here goes out in a microtask, as a settled read()'s
    // would: one promise and no closure. process.nextTick, tried first, costs
    // a tick object and an async id per chunk, and it showed in the bench.
    if (here) void Promise.resolve(this).then(SourceReader.wake)
  }

  /** Destroys the source; a pending or later read ends with `reason`. */
  destroy(reason: unknown): void {
    this.#failure ??= reason
    this.#source.destroy()
  }

  /** Settles when the source closes: fulfilled after a clean end, rejected otherwise. */
  whenClosed(): Promise<undefined> {
    const source = this.#source
    return new Promise((resolve, reject) => {
      source.once('close', () => (source.readableEnded ? resolve(undefined) : reject(this.#wrapError(new Error('other side closed')))))
    })
  }

  #wake(): void {
    // An error becomes the reader's failure when it comes, as a listener of
    // its own would take it: what it becomes may depend on the signal then.
    const errored = this.#source.errored
    if (errored !== null && this.#failure === undefined) this.#failure = this.#wrapError(errored)
    const listener = this.#listener
    if (listener === undefined) return
    // A chunk readThen() took goes first, whichever comes first: its
    // microtask or a source event.
    let value = this.#taken
    if (value !== undefined) this.#taken = undefined
    else {
      try {
        value = this.#take()
      } catch (failure) {
        this.#listener = undefined
        return listener.onBodyError(failure)
      }
    }
    // A 'readable' with nothing to read yet: keep waiting.
    if (value === undefined) return
    this.#listener = undefined
    listener.onChunk(value)
  }

  /**
   * What a read gets now: a chunk, `null` for the end, `undefined` for
   * nothing yet; or it throws the failure. Buffered chunks come before a
   * failure or the end.
   */
  #take(): Uint8Array | null | undefined {
    const source = this.#source
    const chunk = source.read() as Buffer | null
    if (chunk !== null) return chunk
    if (this.#failure === undefined) {
      const errored = source.errored
      if (errored !== null) this.#failure = this.#wrapError(errored)
      else if (source.readableEnded) return null
      // Closed with neither 'end' nor 'error' (an HTTP/2 stream reset with
      // NO_ERROR, a socket that went away): a broken body, not a clean end.
      else if (source.destroyed) this.#failure = this.#wrapError(new Error('other side closed'))
      else return undefined
    }
    throw this.#failure
  }
}

const READER = Symbol('reader')

interface ReaderOwner {
  [READER]?: SourceReader
}

// The listener of every source's events; Node calls it with the source as `this`.
function wake(this: ReaderOwner): void {
  SourceReader.wake(this[READER] as SourceReader)
}

// A read() that waits, and its result, are made by a constructor and by
// `new Object()`, not by object literals, for the reason fetch-events.ts
// gives: thousands of reads wait at once, and V8 would then allocate every
// later object of the literal in the old generation (bench/README.md, "tick").

/** A read() waiting for the next chunk. */
class PendingRead implements BodyListener {
  readonly resolve: (result: Result) => void
  readonly onBodyError: (cause: unknown) => void

  constructor(resolve: (result: Result) => void, reject: (cause: unknown) => void) {
    this.resolve = resolve
    this.onBodyError = reject
  }

  onChunk(value: Uint8Array | null): void {
    this.resolve(toResult(value))
  }
}

/** A read's result as a web stream gives it: a plain `Uint8Array`, not the source's `Buffer`. */
function toResult(value: Uint8Array | null): Result {
  if (value === null) return DONE
  const result = new Object() as { done: false; value: Uint8Array }
  result.done = false
  result.value = new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  return result
}

/** The source as the web `ReadableStream` of `Response.body`. */
export function toWebStream(source: Readable, wrapError: (error: Error) => unknown): ReadableStream<Uint8Array> {
  const reader = new SourceReader(source, wrapError)
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const result = await reader.read().catch((error: unknown) => {
          controller.error(error)
          return undefined
        })
        if (result === undefined) return
        if (result.done) controller.close()
        else controller.enqueue(result.value)
      },
      cancel(reason): void {
        reader.destroy(reason)
      },
    },
    { highWaterMark: 0 },
  )
}

/**
 * The least of `ReadableStream` the connection model reads a body with:
 * `getReader()` once, then `read()` and `cancel()` on the reader, and
 * `cancel()` on the body. Not a web stream: no `pipeTo`, no tee, no async
 * iteration, no `Response` around it.
 */
export interface LightBody {
  readonly locked: boolean
  getReader(): LightReader
  cancel(reason?: unknown): Promise<void>
}

/** The reader of a {@link LightBody}. */
export interface LightReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>
  /** {@link SourceReader.readThen}; the model uses it where a reader has it. */
  readThen(listener: BodyListener): void
  cancel(reason?: unknown): Promise<void>
  releaseLock(): void
  readonly closed: Promise<undefined>
}

/**
 * The source as a {@link LightBody}: one object that is the body and, once
 * locked, its reader, so an open stream holds no closures for either.
 */
export function toLightBody(source: Readable, wrapError: (error: Error) => unknown): LightBody {
  return new NodeLightBody(source, wrapError)
}

class NodeLightBody extends SourceReader implements LightBody, LightReader {
  #locked = false

  get locked(): boolean {
    return this.#locked
  }

  getReader(): LightReader {
    if (this.#locked) throw new TypeError('ReadableStream is locked')
    this.#locked = true
    return this
  }

  releaseLock(): void {
    this.#locked = false
  }

  cancel(reason?: unknown): Promise<void> {
    this.destroy(reason)
    return Promise.resolve()
  }

  get closed(): Promise<undefined> {
    return this.whenClosed()
  }
}
