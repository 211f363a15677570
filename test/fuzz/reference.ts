/**
 * A deliberately naive reference implementation of HTML §9.2.6 "Interpreting
 * an event stream", written from the quoted spec text (shared
 * conformance/SPEC-QUOTES.md) and nothing else: whole body in, everything it
 * means out. The differential fuzzer compares the client's streaming path
 * against it, so it favours being obviously right over being fast — no
 * streaming, no shortcuts, no code shared with `src/`.
 *
 * Web-platform APIs only (none, in fact), so it runs in every runtime the
 * suite targets.
 */

/** One dispatched event, as a listener would see it. */
export interface ReferenceEvent {
  type: string
  data: string
  lastEventId: string
}

/** Everything a body means to an event source. */
export interface ReferenceResult {
  events: ReferenceEvent[]
  /** The source's last event ID string after the body (it starts empty). */
  lastEventId: string
  /** Every reconnection time the body set, in order (after the client's clamp). */
  retries: number[]
}

// The client clamps the reconnection time to what a timer can hold (2^31 − 1
// ms): a documented deviation from "set the event stream's reconnection time
// to that integer", which would otherwise fire at once in every runtime.
const MAX_RECONNECTION_TIME = 2 ** 31 - 1

const REPLACEMENT = 0xfffd

/**
 * The Encoding Standard's UTF-8 decoder, byte by byte, with the replacement
 * error mode (what "UTF-8 decode" uses): each maximal invalid subpart becomes
 * one U+FFFD, and a byte that breaks a sequence is reprocessed.
 *
 * @see https://encoding.spec.whatwg.org/#utf-8-decoder
 */
export function utf8Decode(bytes: Uint8Array): string {
  const codePoints: number[] = []
  let needed = 0
  let seen = 0
  let codePoint = 0
  let lower = 0x80
  let upper = 0xbf
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number
    if (needed === 0) {
      if (byte <= 0x7f) codePoints.push(byte)
      else if (byte >= 0xc2 && byte <= 0xdf) {
        needed = 1
        codePoint = byte & 0x1f
      } else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) lower = 0xa0
        if (byte === 0xed) upper = 0x9f
        needed = 2
        codePoint = byte & 0xf
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) lower = 0x90
        if (byte === 0xf4) upper = 0x8f
        needed = 3
        codePoint = byte & 0x7
      } else codePoints.push(REPLACEMENT)
      continue
    }
    if (byte < lower || byte > upper) {
      // "Set UTF-8 code point, UTF-8 bytes needed, and UTF-8 bytes seen to 0,
      // set UTF-8 lower boundary to 0x80, and set UTF-8 upper boundary to 0xBF.
      // Restore byte to ioQueue. Return error."
      needed = 0
      seen = 0
      codePoint = 0
      lower = 0x80
      upper = 0xbf
      codePoints.push(REPLACEMENT)
      i--
      continue
    }
    lower = 0x80
    upper = 0xbf
    codePoint = (codePoint << 6) | (byte & 0x3f)
    seen++
    if (seen === needed) {
      codePoints.push(codePoint)
      needed = 0
      seen = 0
      codePoint = 0
    }
  }
  // End of queue in the middle of a sequence: "Return error."
  if (needed !== 0) codePoints.push(REPLACEMENT)
  let text = ''
  for (const point of codePoints) text += String.fromCodePoint(point)
  return text
}

/**
 * "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM),
 * if any." A decoded U+FEFF at position 0 can only come from EF BB BF.
 */
export function decodeEventStream(bytes: Uint8Array): string {
  const text = utf8Decode(bytes)
  return text.startsWith('\uFEFF') ? text.slice(1) : text
}

/**
 * The lines of a stream: "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
 * character pair, a single U+000A LINE FEED (LF) character not preceded by a
 * U+000D CARRIAGE RETURN (CR) character, and a single U+000D CARRIAGE RETURN
 * (CR) character not followed by a U+000A LINE FEED (LF) character being the
 * ways in which a line can end." Text after the last line end is not a line:
 * it never ended.
 */
export function splitLines(text: string): string[] {
  const lines: string[] = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === '\n') {
      lines.push(text.slice(start, i))
      start = i + 1
    } else if (char === '\r') {
      lines.push(text.slice(start, i))
      if (text[i + 1] === '\n') i++
      start = i + 1
    }
  }
  return lines
}

/** §9.2.6 over a whole body: decode, split, process every line in order. */
export function interpretEventStream(bytes: Uint8Array): ReferenceResult {
  const events: ReferenceEvent[] = []
  const retries: number[] = []
  // "a data buffer, an event type buffer, and a last event ID buffer … must be
  // initialized to the empty string."
  let dataBuffer = ''
  let eventTypeBuffer = ''
  let lastEventIdBuffer = ''
  // "A last event ID string. This must initially be the empty string."
  let lastEventIdString = ''

  const processField = (field: string, value: string): void => {
    // "Field names must be compared literally, with no case folding performed."
    if (field === 'event') {
      eventTypeBuffer = value
    } else if (field === 'data') {
      dataBuffer += value + '\n'
    } else if (field === 'id') {
      if (!value.includes('\0')) lastEventIdBuffer = value
    } else if (field === 'retry') {
      // "If the field value consists of only ASCII digits" — an empty value
      // has none to interpret, and every browser and WPT's
      // format-field-retry-empty ignore it.
      if (/^[0-9]+$/.test(value)) retries.push(Math.min(Number(value), MAX_RECONNECTION_TIME))
    }
    // "Otherwise: The field is ignored."
  }

  const dispatch = (): void => {
    // Step 1: the source's string takes the buffer's value; the buffer stays.
    lastEventIdString = lastEventIdBuffer
    // Step 2.
    if (dataBuffer === '') {
      eventTypeBuffer = ''
      return
    }
    // Step 3.
    let data = dataBuffer
    if (data.endsWith('\n')) data = data.slice(0, -1)
    // Steps 4–6.
    events.push({ type: eventTypeBuffer === '' ? 'message' : eventTypeBuffer, data, lastEventId: lastEventIdString })
    // Step 7.
    dataBuffer = ''
    eventTypeBuffer = ''
  }

  for (const line of splitLines(decodeEventStream(bytes))) {
    if (line === '') {
      dispatch()
    } else if (line.startsWith(':')) {
      // "Ignore the line."
    } else if (line.includes(':')) {
      const colon = line.indexOf(':')
      let value = line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      processField(line.slice(0, colon), value)
    } else {
      processField(line, '')
    }
  }
  // "Once the end of the file is reached, any pending data must be discarded."
  return { events, lastEventId: lastEventIdString, retries }
}
