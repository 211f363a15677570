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
 * uses (`getReader()`, `read()`, `cancel()`), without the web stream's own
 * objects per stream (measured in bench/transport-heap.mjs).
 */
import type { Readable } from 'node:stream'

type Result = ReadableStreamReadResult<Uint8Array>
const DONE: Result = { done: true, value: undefined }

/**
 * Reads a paused-mode source one chunk per call; the one home of the reading
 * rules. An idle stream holds one of these, one listener function and the
 * pending read's promise: an error, the end and a close are read off the
 * source itself (`errored`, `readableEnded`, `destroyed`) rather than kept by
 * a listener per event, since the idle heap per stream is one of this
 * transport's goals.
 */
export class SourceReader {
  readonly #source: Readable
  readonly #wrapError: (error: Error) => unknown
  /** The pending read's settlers, while it waits for the source. */
  #resolve: ((result: Result) => void) | undefined = undefined
  #reject: ((failure: unknown) => void) | undefined = undefined
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
    // process either.
    const wake = (): void => this.#wake()
    source.on('readable', wake)
    source.on('end', wake)
    source.on('error', wake)
    source.on('close', wake)
  }

  /** The next chunk, the end, or a rejection with the failure. */
  read(): Promise<Result> {
    let result: Result | undefined
    try {
      result = this.#take()
    } catch (failure) {
      return Promise.reject(failure)
    }
    if (result !== undefined) return Promise.resolve(result)
    // Nothing buffered: wait for the next 'readable', 'end', 'error' or 'close'.
    return new Promise<Result>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
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
    const resolve = this.#resolve
    const reject = this.#reject as (failure: unknown) => void
    if (resolve === undefined) return
    let result: Result | undefined
    try {
      result = this.#take()
    } catch (failure) {
      this.#resolve = this.#reject = undefined
      return reject(failure)
    }
    // A 'readable' with nothing to read yet: keep waiting.
    if (result === undefined) return
    this.#resolve = this.#reject = undefined
    resolve(result)
  }

  /**
   * What a read gets now: a chunk, the end, `undefined` for nothing yet; or it
   * throws the failure. Buffered chunks come before a failure or the end.
   */
  #take(): Result | undefined {
    const source = this.#source
    const chunk = source.read() as Buffer | null
    if (chunk !== null) return { done: false, value: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) }
    if (this.#failure === undefined) {
      const errored = source.errored
      if (errored !== null) this.#failure = this.#wrapError(errored)
      else if (source.readableEnded) return DONE
      // Closed with neither 'end' nor 'error' (an HTTP/2 stream reset with
      // NO_ERROR, a socket that went away): a broken body, not a clean end.
      else if (source.destroyed) this.#failure = this.#wrapError(new Error('other side closed'))
      else return undefined
    }
    throw this.#failure
  }
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
