/// <reference types="node" />
/**
 * A Node `Readable` (a response, a decoder, an HTTP/2 stream) as the web
 * `ReadableStream` that `Response.body` is, read only as fast as the reader
 * asks. Backpressure is the point: with `highWaterMark: 0` the web stream
 * holds no chunk of its own, and the Node side is read in paused mode, so
 * when the reader stops reading the source's buffer fills, the socket is
 * paused and TCP (or HTTP/2 flow control) stops the server. A gzip bomb
 * inflates no further ahead of the reader than the decoder's own buffer.
 */
import type { Readable } from 'node:stream'

/**
 * @param source - paused-mode readable; destroyed when the reader cancels
 * @param wrapError - what a source error becomes in the reader (fetch's
 *   `TypeError: terminated`, or the abort reason)
 */
export function toWebStream(source: Readable, wrapError: (error: Error) => unknown): ReadableStream<Uint8Array> {
  // One pending pull at most (highWaterMark 0: pull runs only for a read).
  let wake: (() => void) | undefined
  let failure: unknown
  let ended = false
  const notify = (): void => {
    const resume = wake
    wake = undefined
    resume?.()
  }
  source.on('readable', notify)
  source.once('end', () => {
    ended = true
    notify()
  })
  source.on('error', (error: Error) => {
    failure ??= wrapError(error)
    notify()
  })
  // A source closed without 'end' or 'error' (an HTTP/2 stream reset with
  // NO_ERROR, a socket that went away) is a broken body, not a clean end.
  source.once('close', () => {
    if (!ended && failure === undefined && !source.readableEnded) failure = wrapError(new Error('other side closed'))
    notify()
  })

  const pull = (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | undefined => {
    const chunk = source.read() as Buffer | null
    if (chunk !== null) {
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    } else if (failure !== undefined) {
      controller.error(failure)
    } else if (ended || source.readableEnded) {
      controller.close()
    } else {
      // Nothing buffered: wait for the next 'readable', 'end', 'error' or 'close'.
      return new Promise<void>((resolve) => {
        wake = resolve
      }).then(() => pull(controller))
    }
    return undefined
  }

  return new ReadableStream<Uint8Array>(
    {
      pull,
      cancel(reason): void {
        failure ??= reason
        source.destroy()
      },
    },
    { highWaterMark: 0 },
  )
}
