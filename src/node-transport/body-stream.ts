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

/** Reads a paused-mode source one chunk per call; the one home of the reading rules. */
export class SourceReader {
  readonly #source: Readable
  readonly #wrapError: (error: Error) => unknown
  #wake: (() => void) | undefined = undefined
  #failure: unknown = undefined
  #ended = false

  /**
   * @param source - paused-mode readable; destroyed when the reader cancels
   * @param wrapError - what a source error becomes for the reader (fetch's
   *   `TypeError: terminated`, or the abort reason)
   */
  constructor(source: Readable, wrapError: (error: Error) => unknown) {
    this.#source = source
    this.#wrapError = wrapError
    const notify = (): void => {
      const wake = this.#wake
      this.#wake = undefined
      wake?.()
    }
    source.on('readable', notify)
    source.once('end', () => {
      this.#ended = true
      notify()
    })
    // Stays on: a second error must not reach the process.
    source.on('error', (error: Error) => {
      this.#failure ??= wrapError(error)
      notify()
    })
    // A source closed without 'end' or 'error' (an HTTP/2 stream reset with
    // NO_ERROR, a socket that went away) is a broken body, not a clean end.
    source.once('close', () => {
      if (!this.#ended && this.#failure === undefined && !source.readableEnded) this.#failure = wrapError(new Error('other side closed'))
      notify()
    })
  }

  /** The next chunk, the end, or a rejection with the failure. */
  read(): Promise<Result> {
    const chunk = this.#source.read() as Buffer | null
    if (chunk !== null) return Promise.resolve({ done: false, value: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) })
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#ended || this.#source.readableEnded) return Promise.resolve(DONE)
    // Nothing buffered: wait for the next 'readable', 'end', 'error' or 'close'.
    return new Promise<void>((resolve) => {
      this.#wake = resolve
    }).then(() => this.read())
  }

  /** Destroys the source; a pending or later read ends with `reason`. */
  cancel(reason: unknown): void {
    this.#failure ??= reason
    this.#source.destroy()
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
        reader.cancel(reason)
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

/** The source as a {@link LightBody}. */
export function toLightBody(source: Readable, wrapError: (error: Error) => unknown): LightBody {
  const reader = new SourceReader(source, wrapError)
  let locked = false
  const cancel = (reason?: unknown): Promise<void> => {
    reader.cancel(reason)
    return Promise.resolve()
  }
  const lightReader: LightReader = {
    read: () => reader.read(),
    cancel,
    releaseLock: () => {
      locked = false
    },
    get closed(): Promise<undefined> {
      return new Promise((resolve, reject) => {
        source.once('close', () => (source.readableEnded ? resolve(undefined) : reject(wrapError(new Error('other side closed')))))
      })
    },
  }
  return {
    get locked() {
      return locked
    },
    getReader() {
      if (locked) throw new TypeError('ReadableStream is locked')
      locked = true
      return lightReader
    },
    cancel,
  }
}
