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
export const DEFAULT_MAX_BUFFER_SIZE = 2 ** 24

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

// Reused for every chunk: `decode()` reads the option each call, so one
// object avoids an allocation on the per-chunk path.
const STREAM = { stream: true }

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
  maxBufferSize: number = DEFAULT_MAX_BUFFER_SIZE,
): EventStreamDecoder {
  return new BodyDecoder(handlers, maxBufferSize)
}

// The decoder whose parser is running. `parser.feed()` is synchronous and
// calls back only from inside, so the callbacks below are shared by every
// parser and find their decoder here: an idle connection then holds no
// closures for its decoder, only the fields of one object (memory per idle
// connection is a goal, see bench/heap.mjs). Set before every feed; no
// handler feeds a decoder (each only records what it is told), so it never
// needs restoring.
let feeding: BodyDecoder | undefined

// A decode without `stream` leaves a TextDecoder as it found it, so one
// decoder serves every body for the chunks that hold whole characters; a body
// makes its own only while a character is split across its chunks. It keeps
// BOMs: see BodyDecoder.
const WHOLE = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * Whether a chunk's text ends with an empty line, tested on its last three
 * characters (a regular expression anchored at the end would scan the whole
 * chunk): the last line terminator (LF, or CRLF) comes right after another.
 * The parser has then dispatched or dropped the block and holds no partial
 * line, no data, no event type and no id (the last event ID lives in the
 * connection), so a parser made anew is the same parser. A final CR alone
 * does not count: an LF may follow it.
 */
const END_OF_BLOCK = /\n\n$|[\r\n]\r\n$/

// A parser left at the end of a block, for the next decoder that needs one,
// and the `maxBufferSize` it was made with (-1 once taken: no decoder has
// that size, so one check says whether it is free). Such a parser is the
// same as a new one (see END_OF_BLOCK), and a feed runs to its end before
// another starts (see `feeding`), so every decoder shares it: a stream that
// gets one event per chunk, the usual shape of a feed, then makes no parser
// (a dozen closures) per chunk. Made per chunk, those also risked V8
// deciding to allocate them in the old generation, where each is garbage
// only a full GC frees (bench/README.md, "tick").
let spare: EventSourceParser | undefined
let spareBufferSize = -1

class BodyDecoder implements EventStreamDecoder {
  // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark
  // (BOM), if any." TextDecoder keeps a multibyte character split across
  // chunks whole when `stream` is set and turns invalid bytes into U+FFFD when
  // not `fatal`. It could strip the BOM too, but Node 24's does it wrong when
  // the BOM is split across chunks (it then strips a second BOM as well), so it
  // is told to keep BOMs and the first decoded character is checked here instead.
  // Set only while the last chunk ended inside a multibyte character, whose
  // first bytes it holds.
  #text: TextDecoder | undefined
  // Taken (the spare, or a new one) on the first text, and given back as the
  // spare whenever a chunk's text ends with the blank line that ends a
  // block: a parser then holds nothing a new one would not, and an idle
  // stream (which mostly waits between whole events) holds no parser.
  #parser: EventSourceParser | undefined
  readonly #handlers: EventStreamHandlers
  readonly #maxBufferSize: number
  #bomChecked = false
  #overflowed = false

  constructor(handlers: EventStreamHandlers, maxBufferSize: number) {
    this.#handlers = handlers
    this.#maxBufferSize = maxBufferSize
  }

  push(bytes: Uint8Array): void {
    // After an overflow the parser refuses input until reset; the caller is
    // tearing the connection down, so further bytes are simply dropped.
    if (this.#overflowed || bytes.length === 0) return
    // A chunk that ends in an ASCII byte holds no unfinished character at its
    // end (every byte of a multibyte character is 0x80 or above). With
    // nothing carried over from the chunk before either, decoding it without
    // `stream` gives the same text, through the decoder's fast path, which
    // Node's streaming decode lacks (bench/README.md has what it saves).
    const wholeEnd = (bytes[bytes.length - 1] as number) < 0x80
    let text = this.#text === undefined && wholeEnd ? WHOLE.decode(bytes) : (this.#text ??= new TextDecoder('utf-8', { ignoreBOM: true })).decode(bytes, STREAM)
    // After an ASCII byte a streaming decoder holds nothing either.
    if (wholeEnd) this.#text = undefined
    if (!this.#bomChecked) {
      // Until the first character is decoded, a BOM may still be arriving.
      if (text === '') return
      this.#bomChecked = true
      if (text.charCodeAt(0) === BOM) text = text.slice(1)
    }
    if (text === '') return
    feeding = this
    let parser = this.#parser
    if (parser === undefined) {
      if (spareBufferSize === this.#maxBufferSize) {
        parser = spare as EventSourceParser
        spareBufferSize = -1
      } else {
        parser = createParser({ ...BodyDecoder.callbacks, maxBufferSize: this.#maxBufferSize })
        parser.feed(PRIME)
      }
      this.#parser = parser
    }
    parser.feed(text)
    // An overflowed parser refuses input until reset: it is nobody's spare.
    if (!this.#overflowed && END_OF_BLOCK.test(text.slice(-3))) {
      this.#parser = undefined
      spare = parser
      spareBufferSize = this.#maxBufferSize
    }
  }

  /**
   * The parser's callbacks, one set for every decoder: only a parser inside
   * push() calls back, so `feeding` is set and is its decoder.
   */
  static readonly callbacks: ParserCallbacks = {
    onEvent(message) {
      ;(feeding as BodyDecoder).#handlers.onEvent(message)
    },
    onId(id) {
      ;(feeding as BodyDecoder).#handlers.onId(id)
    },
    onRetry(milliseconds) {
      ;(feeding as BodyDecoder).#handlers.onRetry(milliseconds)
    },
    onError(error) {
      // Unknown fields and bogus `retry` values are reported here too; the
      // spec ignores them, so only the buffer limit is an error for us.
      if (error.type !== 'max-buffer-size-exceeded') return
      const decoder = feeding as BodyDecoder
      decoder.#overflowed = true
      decoder.#handlers.onOverflow(error)
    },
  }
}
