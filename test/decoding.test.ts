// Streaming UTF-8 decoding of the body (HTML §9.2.6): the bytes arrive in
// arbitrary pieces, and the result must be the same as decoding them at once.
// Pieces are sent in separate `res.write` calls with a delay between them, so
// the client really reads them separately.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource } from '../src/index.js'
import { closeAll, collect, scriptUrl, track, uniqueKey } from './support/script.js'
import type { Attempt, Chunk } from './support/script.js'

const origin = inject('sseOrigin')

/** Time between two writes that should reach the client as separate reads. */
const SPLIT = { delay: 30 } as const

afterEach(closeAll)

/** Opens a source on a one-attempt script and returns the data of the first
 *  `count` messages. The stream hangs afterwards, so nothing else arrives. */
async function messages(count: number, chunks: Chunk[], extra: Omit<Attempt, 'chunks'> = {}): Promise<unknown[]> {
  const es = track(new EventSource(scriptUrl(origin, uniqueKey('decoding'), [{ chunks, end: 'hang', ...extra }])))
  const events = collect(es, ['message'])
  const received = await events.waitFor(count)
  return received.map((e) => e.data)
}

describe('byte order mark', () => {
  // §9.2.6: "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order
  // Mark (BOM), if any." §9.2.5: stream = [ bom ] *event.

  it('strips one leading BOM', async () => {
    expect(await messages(1, [{ hex: 'EF BB BF' }, 'data: 1\n\n'])).toEqual(['1'])
  })

  it('strips only one: a second BOM makes the first field name unknown', async () => {
    // The first line is then "\uFEFFdata:1", whose field name is
    // "\uFEFFdata" — "Otherwise: The field is ignored."
    expect(await messages(2, [{ hex: 'EF BB BF EF BB BF' }, 'data: 1\n\ndata: 2\n\ndata: 3\n\n'])).toEqual(['2', '3'])
  })

  it('does not strip a BOM later in the stream', async () => {
    const chunks: Chunk[] = [{ hex: 'EF BB BF' }, 'data: 1\n\n', { hex: 'EF BB BF' }, 'data: 2\n\ndata: 3\n\n']
    expect(await messages(2, chunks)).toEqual(['1', '3'])
  })

  it('strips a leading BOM split across reads', async () => {
    expect(await messages(1, [{ hex: 'EF' }, SPLIT, { hex: 'BB' }, SPLIT, { hex: 'BF' }, 'data: 1\n\n'])).toEqual(['1'])
  })

  it('strips a BOM that arrives after an empty first read', async () => {
    expect(await messages(1, ['', SPLIT, { hex: 'EF BB BF' }, 'data: 1\n\n'])).toEqual(['1'])
  })

  it('keeps a BOM inside a field value', async () => {
    expect(await messages(1, [{ hex: 'EF BB BF' }, 'data: ', { hex: 'EF BB BF' }, 'x\n\n'])).toEqual(['\uFEFFx'])
  })
})

describe('invalid UTF-8', () => {
  // §9.2.6: "Streams must be decoded using the UTF-8 decode algorithm" —
  // Encoding's UTF-8 decoder emits U+FFFD per maximal invalid subpart.

  it('turns a stray continuation or 0xFF byte into U+FFFD', async () => {
    expect(await messages(1, ['data: a', { hex: 'FF' }, 'b', { hex: '80' }, 'c\n\n'])).toEqual(['a\uFFFDb\uFFFDc'])
  })

  it('turns a truncated sequence into one U+FFFD', async () => {
    // E2 82 is the start of a 3-byte sequence cut short by "x": one maximal
    // subpart, so one replacement character.
    expect(await messages(1, ['data: a', { hex: 'E2 82' }, 'x\n\n'])).toEqual(['a\uFFFDx'])
  })

  it('turns an overlong encoding and a surrogate code point into U+FFFD each byte', async () => {
    // C0 AF (overlong "/") and ED A0 80 (U+D800) are not valid UTF-8; each
    // byte is its own maximal subpart.
    expect(await messages(1, ['data: ', { hex: 'C0 AF' }, '|', { hex: 'ED A0 80' }, '\n\n'])).toEqual([
      '\uFFFD\uFFFD|\uFFFD\uFFFD\uFFFD',
    ])
  })

  it('ignores a charset parameter: the body is always UTF-8', async () => {
    // §9.2.5: "Event streams in this format must always be encoded as UTF-8."
    const extra = { headers: { 'Content-Type': 'text/event-stream; charset=iso-8859-1' } }
    expect(await messages(1, ['data: é€\n\n'], extra)).toEqual(['é€'])
  })
})

describe('characters split across reads', () => {
  it('keeps a 2-byte character whole', async () => {
    expect(await messages(1, ['data: ', { hex: 'C3' }, SPLIT, { hex: 'A9' }, '\n\n'])).toEqual(['é'])
  })

  it('keeps a 3-byte character whole', async () => {
    const chunks: Chunk[] = ['data: ', { hex: 'E2' }, SPLIT, { hex: '82' }, SPLIT, { hex: 'AC' }, '\n\n']
    expect(await messages(1, chunks)).toEqual(['€'])
  })

  it('keeps a 4-byte character whole', async () => {
    const chunks: Chunk[] = ['data: ', { hex: 'F0' }, SPLIT, { hex: '9F' }, SPLIT, { hex: '98' }, SPLIT, { hex: '80' }, '\n\n']
    expect(await messages(1, chunks)).toEqual(['😀'])
  })

  it('keeps a character split between the field name and a later read', async () => {
    const chunks: Chunk[] = ['data: a', { hex: 'F0 9F' }, SPLIT, { hex: '98 80' }, 'b\n\nda', SPLIT, 'ta: c\n\n']
    expect(await messages(2, chunks)).toEqual(['a😀b', 'c'])
  })
})

describe('line ends split across reads', () => {
  // §9.2.6: a line ends with CRLF, a lone LF, or a lone CR "not followed by"
  // LF. A CRLF split across reads is still one line end.

  it('treats CR then LF in the next read as one line end', async () => {
    expect(await messages(2, ['data: a\r', SPLIT, '\ndata: b\r', SPLIT, '\n\r', SPLIT, '\ndata: c\n\n'])).toEqual([
      'a\nb',
      'c',
    ])
  })

  it('dispatches on a CR-terminated blank line without waiting for more bytes', async () => {
    // The event is complete once CR CR is read; holding it until a next read
    // shows whether an LF follows would stall it (the stream then hangs).
    expect(await messages(1, ['data: a\r\r'])).toEqual(['a'])
  })

  it('handles every line-end style in one stream', async () => {
    expect(await messages(3, ['data: a\r\n\r\ndata: b\n\ndata: c\r\r'])).toEqual(['a', 'b', 'c'])
  })

  it('keeps NUL characters in data', async () => {
    expect(await messages(1, ['data: a\u0000b\n\n'])).toEqual(['a\u0000b'])
  })
})
