/**
 * Bytes → events for one response body: the streaming UTF-8 decode of
 * §9.2.6 followed by the line-by-line parse of eventsource-parser.
 *
 * One instance serves exactly one response. A reconnect makes a new one, so
 * the BOM check, the partial-line buffer and any half-received multibyte
 * character of the previous response can never leak into the next.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import {
  createParser,
  type EventSourceMessage,
  type EventSourceParser,
  type ParseError,
  type ParserCallbacks,
} from 'eventsource-parser'

/**
 * The default `maxBufferSize`: 16 Mi characters (32 MiB of string) for an
 * unfinished line or event, far above any real event and far below what
 * exhausts a process.
 */
export const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024

/** What the decoder reports while it reads a body. */
export interface EventStreamHandlers {
  /** A dispatched block that had data (§9.2.6 "dispatch the event", steps 2–7). */
  onEvent(message: EventSourceMessage): void
  /**
   * The last event ID buffer, committed at the end of a block (§9.2.6 dispatch
   * step 1). It is called before `onEvent` of the same block, and also for
   * blocks with no data, so an id-only block still moves the last event ID.
   * A block cut off by the end of the body never gets here: "any pending data
   * must be discarded", its `id` included.
   */
  onId(id: string): void
  /** A valid `retry` field; the spec applies it as soon as the line is parsed. */
  onRetry(milliseconds: number): void
  /** An unfinished line or event grew past `maxBufferSize`; the stream is unusable. */
  onOverflow(error: ParseError): void
}

/** Pushes one body's bytes through the decoder and the parser. */
export interface EventStreamDecoder {
  /** Decode and parse one chunk of the body. Hot path: called once per chunk. */
  push(bytes: Uint8Array): void
}

// Reused for every chunk: `decode()` reads the option each call, so one frozen
// object avoids an allocation on the per-chunk path.
const STREAM = Object.freeze({ stream: true })

// eventsource-parser also strips a leading BOM (raw or decoded). The decoder
// below already strips exactly one, as §9.2.6 requires; a second strip would
// swallow the BOM that format-bom-2 expects to break the first field. A
// comment line is a no-op in the parsing algorithm ("If the line starts with a
// U+003A COLON character (:) — Ignore the line"), so feeding one first ends the
// parser's BOM check without changing what the stream means.
const PRIME = ':\n'

const BOM = 0xfeff

/**
 * Create the decoder for one response body.
 *
 * @param handlers - where events, ids and retry values go
 * @param maxBufferSize - the most characters an unfinished line or event may hold
 */
export function createEventStreamDecoder(
  handlers: EventStreamHandlers,
  maxBufferSize?: number,
): EventStreamDecoder {
  return new BodyDecoder(handlers, maxBufferSize)
}

// The decoder whose parser is running. `parser.feed()` is synchronous and
// calls back only from inside, so the callbacks below are shared by every
// parser and find their decoder here: an idle connection then holds no
// closures for its decoder, only the fields of one object (memory per idle
// connection is a goal, see bench/heap.mjs). Saved and restored around each
// feed, so a handler that feeds another decoder cannot confuse the two.
let feeding: BodyDecoder | undefined

class BodyDecoder implements EventStreamDecoder {
  // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark
  // (BOM), if any." TextDecoder keeps a multibyte character split across
  // chunks whole when `stream` is set and turns invalid bytes into U+FFFD when
  // not `fatal`. It could strip the BOM too, but Node 24's does it wrong when
  // the BOM is split across chunks (it then strips a second BOM as well), so it
  // is told to keep BOMs and the first decoded character is checked here instead.
  readonly #text = new TextDecoder('utf-8', { ignoreBOM: true })
  readonly #parser: EventSourceParser
  readonly #handlers: EventStreamHandlers
  #bomChecked = false
  #overflowed = false
  // Whether the last chunk ended inside a multibyte character, whose first
  // bytes the decoder may still hold.
  #carry = false

  constructor(handlers: EventStreamHandlers, maxBufferSize: number | undefined) {
    this.#handlers = handlers
    this.#parser = createParser({ ...BodyDecoder.callbacks, maxBufferSize })
    this.#feed(PRIME)
  }

  push(bytes: Uint8Array): void {
    // After an overflow the parser refuses input until reset; the caller is
    // tearing the connection down, so further bytes are simply dropped.
    if (this.#overflowed || bytes.length === 0) return
    // A chunk that ends in an ASCII byte, with nothing carried over from the
    // last one, holds whole characters only: decoding it without `stream`
    // gives the same text, through the decoder's fast path, which Node's
    // streaming decode lacks (bench/README.md has what it saves per chunk).
    // Every byte of a multibyte character is 0x80 or above, so an ASCII last
    // byte cannot be part of an unfinished one.
    const wholeEnd = (bytes[bytes.length - 1] as number) < 0x80
    let text = !this.#carry && wholeEnd ? this.#text.decode(bytes) : this.#text.decode(bytes, STREAM)
    this.#carry = !wholeEnd
    if (!this.#bomChecked) {
      // Until the first character is decoded, a BOM may still be arriving.
      if (text === '') return
      this.#bomChecked = true
      if (text.charCodeAt(0) === BOM) text = text.slice(1)
    }
    if (text !== '') this.#feed(text)
  }

  #feed(text: string): void {
    const previous = feeding
    feeding = this
    try {
      this.#parser.feed(text)
    } finally {
      feeding = previous
    }
  }

  /** The parser's callbacks, one set for every decoder (see `feeding`). */
  static readonly callbacks: ParserCallbacks = {
    onEvent(message) {
      BodyDecoder.#current().#handlers.onEvent(message)
    },
    onId(id) {
      BodyDecoder.#current().#handlers.onId(id)
    },
    onRetry(milliseconds) {
      BodyDecoder.#current().#handlers.onRetry(milliseconds)
    },
    onError(error) {
      // Unknown fields and bogus `retry` values are reported here too; the
      // spec ignores them, so only the buffer limit is an error for us.
      if (error.type !== 'max-buffer-size-exceeded') return
      const decoder = BodyDecoder.#current()
      decoder.#overflowed = true
      decoder.#handlers.onOverflow(error)
    },
  }

  static #current(): BodyDecoder {
    // Only a parser inside #feed calls back, so `feeding` is set.
    return feeding as BodyDecoder
  }
}
