/**
 * fast-check generators for event-stream bodies over the whole §9.2.5
 * grammar and beyond it — every line ending, BOMs (one, two, partial, inside
 * values), NUL, invalid UTF-8, unknown and near-miss field names, comments,
 * retry values valid and not, empty and id-only blocks, raw garbage — and for
 * the ways a body can be cut into reads.
 *
 * Bodies are built as bytes, not strings, so invalid UTF-8 and split
 * multibyte characters are first-class. Web-platform APIs only.
 */
import fc from 'fast-check'

const encoder = new TextEncoder()
const utf8 = (text: string): Uint8Array => encoder.encode(text)

/** Joins byte pieces into one body. */
export function concatBytes(pieces: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const piece of pieces) length += piece.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}

/** "CRLF / CR / LF": each way a line can end. */
const lineEnd = fc.constantFrom('\n', '\r', '\r\n').map(utf8)

/** Characters that matter to the parser or the decoder, weighted over plain text. */
const interestingChar = fc.constantFrom(
  'a', 'Z', ' ', ' ', ':', '\t', '\0', 'é', '€', '😀', '\uFEFF', '\uFFFD', '\u2028', '\u0085', 'd', 'i',
)

/** Text with no CR or LF, so it stays inside its line. */
const lineText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: interestingChar, maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map((text) => text.replace(/[\r\n]/g, '')),
  },
)

/**
 * Byte sequences a UTF-8 decoder must turn into U+FFFD (or, for the BOM
 * pieces, must keep): lone continuation bytes, overlongs, surrogates, code
 * points above U+10FFFF, truncated sequences, bytes that never occur.
 */
const invalidUtf8 = fc.oneof(
  fc.constantFrom(
    [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xe2, 0x82], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80],
    [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x90, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80], [0xfe], [0xff],
    [0xef, 0xbb], [0xef, 0xbb, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x28, 0xa1],
  ).map((bytes) => Uint8Array.from(bytes)),
  // Any bytes at all except line ends, which are generated on purpose elsewhere.
  fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => bytes.filter((b) => b !== 0x0a && b !== 0x0d)),
)

/** A field value or comment: text and invalid bytes, mixed. */
const value = fc
  .array(fc.oneof({ weight: 3, arbitrary: lineText.map(utf8) }, { weight: 1, arbitrary: invalidUtf8 }), {
    maxLength: 4,
  })
  .map(concatBytes)

/** The known names often, near misses (case, spaces, BOM, prefix) and junk sometimes. */
const fieldName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('data', 'data', 'data', 'event', 'id', 'retry') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('Data', 'dat', 'datum', 'data ', ' data', 'ID', 'Event', 'retry ', '\uFEFFdata', 'data\0', 'foo'),
  },
  { weight: 1, arbitrary: lineText.map((text) => text.replace(/:/g, '')) },
)

/** What follows a name: a colon with zero, one or two spaces (or a tab), or no colon at all. */
const separator = fc.constantFrom(':', ': ', ': ', ':  ', ':\t', '')

/** Valid retry values, values that only look valid, and ones past every integer type. */
const retryValue = fc.oneof(
  fc.stringMatching(/^[0-9]{1,6}$/),
  fc.stringMatching(/^[0-9]{7,40}$/),
  fc.constantFrom('', ' 5', '5 ', '-1', '1.5', '１２', '1e3', '0x10', '+5', '00042', '2147483647', '2147483648', '4294967296'),
)

const line = fc.oneof(
  // name [":" [" "] value] EOL
  {
    weight: 8,
    arbitrary: fc
      .tuple(fieldName, separator, value, lineEnd)
      .map(([name, sep, v, end]) => concatBytes(sep === '' ? [utf8(name), end] : [utf8(name + sep), v, end])),
  },
  // The blank line that dispatches.
  { weight: 5, arbitrary: lineEnd },
  // ":" comment EOL
  { weight: 1, arbitrary: fc.tuple(value, lineEnd).map(([v, end]) => concatBytes([utf8(':'), v, end])) },
  // retry, valid or not
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(':', ': '), retryValue, lineEnd)
      .map(([sep, v, end]) => concatBytes([utf8(`retry${sep}${v}`), end])),
  },
  // id, sometimes with NUL (ignored), sometimes empty (resets)
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('id:', 'id: ', 'id'), fc.constantFrom('', '1', '42', 'a\0b', '\0', 'é😀', '\uFEFF'), lineEnd)
      .map(([prefix, v, end]) => concatBytes([utf8(prefix === 'id' ? 'id' : prefix + v), end])),
  },
  // Raw bytes, line ends included: anything at all.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
)

/** What a body may start with: nothing, one BOM, two, a partial one, a BOM-looking U+FEFF value. */
const prefix = fc.constantFrom(
  [], [], [], [0xef, 0xbb, 0xbf], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], [0xef, 0xbb], [0xef], [0xbb, 0xbf],
).map((bytes) => Uint8Array.from(bytes))

/** A whole body: prefix, lines, and sometimes an unterminated tail. */
export const eventStreamBody = fc
  .tuple(prefix, fc.array(line, { maxLength: 40 }), fc.option(value, { nil: undefined }))
  .map(([start, lines, tail]) => concatBytes([start, ...lines, ...(tail === undefined ? [] : [tail])]))

/**
 * How a body is cut into reads: at random offsets (empty reads included),
 * one byte per read, or whole. Returned as a function of the body so the
 * offsets can be drawn before its length is known and still shrink.
 */
export const splitStrategy: fc.Arbitrary<(body: Uint8Array) => Uint8Array[]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(fc.nat(), { maxLength: 16 }).map((cuts) => (body: Uint8Array) => {
      const offsets = cuts.map((cut) => cut % (body.length + 1)).sort((a, b) => a - b)
      const chunks: Uint8Array[] = []
      let start = 0
      for (const offset of offsets) {
        chunks.push(body.subarray(start, offset))
        start = offset
      }
      chunks.push(body.subarray(start))
      return chunks
    }),
  },
  { weight: 1, arbitrary: fc.constant((body: Uint8Array) => Array.from(body, (byte) => Uint8Array.of(byte))) },
  { weight: 1, arbitrary: fc.constant((body: Uint8Array) => [body]) },
)

/** Hex of a body, for failure messages a person can paste into a reproduction. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
