/// <reference types="node" />
/**
 * Content decoding as Node's fetch (undici) does it: the codings of
 * `Content-Encoding` undone last-applied first; `gzip`/`x-gzip`, `deflate`
 * (zlib-wrapped or raw, told apart by the first byte as undici does), `br`,
 * and `zstd` where node:zlib has it. An unknown coding leaves the body as it
 * came (undici stops decoding then). No decoding for HEAD and for the statuses
 * without a body. A decode error breaks the body (a network error), which
 * the caller turns into fetch's `TypeError: terminated`.
 */
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream'
import zlib from 'node:zlib'

// undici: flush mode Z_SYNC_FLUSH both ways, so a stream that stops
// mid-member (an SSE server that flushes after each event) still yields
// everything received so far, and a truncated final member is not an error.
const ZLIB_OPTIONS: zlib.ZlibOptions = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }
const BROTLI_OPTIONS: zlib.BrotliOptions = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
}

// Node 22.15+/23.8+ has zstd; undici decodes it only where zlib does.
type ZstdFactory = (options?: { flush?: number; finishFlush?: number }) => Transform
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress

/** The decoders for one `Content-Encoding` value, outermost first; empty when nothing is to be undone. */
function decoders(contentEncoding: string): Transform[] | undefined {
  const codings = contentEncoding.toLowerCase().split(',').map((coding) => coding.trim()).filter((coding) => coding !== '')
  // undici refuses more than 5 codings (a decompression-chain bomb).
  if (codings.length > 5) return undefined
  const chain: Transform[] = []
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]
    if (coding === 'gzip' || coding === 'x-gzip') chain.push(zlib.createGunzip(ZLIB_OPTIONS))
    else if (coding === 'deflate') chain.push(new DeflateSniffer())
    else if (coding === 'br') chain.push(zlib.createBrotliDecompress(BROTLI_OPTIONS))
    else if (coding === 'zstd' && createZstdDecompress !== undefined) {
      chain.push(createZstdDecompress({ flush: zlib.constants.ZSTD_e_flush, finishFlush: zlib.constants.ZSTD_e_end }))
    } else {
      // Unknown coding: the body as it came.
      for (const decoder of chain) decoder.destroy()
      return []
    }
  }
  return chain
}

/**
 * The decoded body of a response, or `source` itself when there is nothing
 * to decode. Errors of any stage reach the returned stream's 'error'.
 *
 * @throws RangeError for more than five codings (undici's limit), as a network error
 */
export function decodeBody(source: Readable, contentEncoding: string | undefined, method: string, status: number): Readable {
  if (contentEncoding === undefined || method === 'HEAD' || NULL_BODY_STATUS.has(status)) return source
  const chain = decoders(contentEncoding)
  if (chain === undefined) throw new RangeError(`too many content-encodings in "${contentEncoding}"`)
  if (chain.length === 0) return source
  const last = chain[chain.length - 1] as Transform
  // pipeline() keeps backpressure through every stage and destroys them all
  // when any fails or the last is destroyed (a cancelled reader).
  pipeline([source, ...chain], (error) => {
    if (error && !last.destroyed) last.destroy(error)
  })
  return last
}

/** Statuses whose response has no body (Fetch "null body status"). */
export const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

/**
 * `deflate` is meant to be zlib-wrapped (RFC 9110), but servers send raw
 * deflate too; undici looks at the first byte (a zlib header has CM = 8 in
 * its low nibble) and picks inflate or inflateRaw. This does the same, then
 * becomes a pass-through to the chosen inflater.
 */
class DeflateSniffer extends Transform {
  #inflate: zlib.Inflate | zlib.InflateRaw | undefined

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) return callback()
    if (this.#inflate === undefined) {
      const raw = ((chunk[0] as number) & 0x0f) !== 0x08
      const inflate = raw ? zlib.createInflateRaw(ZLIB_OPTIONS) : zlib.createInflate(ZLIB_OPTIONS)
      this.#inflate = inflate
      inflate.on('data', (data: Buffer) => {
        if (!this.push(data)) inflate.pause()
      })
      inflate.on('error', (error) => this.destroy(error))
    }
    const inflate = this.#inflate
    if (inflate.write(chunk)) callback()
    else inflate.once('drain', () => callback())
  }

  override _read(size: number): void {
    this.#inflate?.resume()
    super._read(size)
  }

  override _flush(callback: TransformCallback): void {
    const inflate = this.#inflate
    if (inflate === undefined) return callback()
    inflate.once('end', () => callback())
    inflate.end()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inflate?.destroy()
    callback(error)
  }
}
