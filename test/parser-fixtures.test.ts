/**
 * The pure-parser WPT cases at byte level: every response body of
 * `wpt-fixtures/parser-fixtures.json` (a copy of shared/conformance's), fed
 * through the client's real decode + parse path split at every byte boundary,
 * must give the events, last event ID string and reconnection time the spec
 * requires. A split can land inside a BOM, a multibyte character or a CRLF;
 * the result must not change.
 */
import { describe, expect, it } from 'vitest'
import { createEventStreamDecoder } from '../src/event-stream.js'
import fixtures from '../wpt-fixtures/parser-fixtures.json' with { type: 'json' }

interface ParsedEvent {
  type: string
  data: string
  lastEventId: string
}
interface Expected {
  events: ParsedEvent[]
  retry: number | null
  lastEventIdString: string
}
interface Fixture {
  body_hex?: string
  body_repr: string
  parsed: Expected | string
}

/** The bytes of a case: hex where given, else the Python-style `body_repr`. */
function bodyOf(fixture: Fixture): Uint8Array {
  if (fixture.body_hex !== undefined) return Uint8Array.from(fixture.body_hex.match(/../g) ?? [], (h) => parseInt(h, 16))
  const text = fixture.body_repr.replace(/\\(n|r|x([0-9a-f]{2}))/g, (_, c: string, hex?: string) =>
    hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : c === 'n' ? '\n' : '\r',
  )
  return new TextEncoder().encode(text)
}

/** A few entries keep `parsed` as a Python literal; their values hold no quotes. */
function expectedOf(fixture: Fixture): Expected {
  if (typeof fixture.parsed !== 'string') return fixture.parsed
  return JSON.parse(fixture.parsed.replace(/'/g, '"').replace(/\bNone\b/g, 'null')) as Expected
}

/** Runs the chunks through one decoder, as one response body. */
function parse(chunks: Uint8Array[]): Expected {
  const events: ParsedEvent[] = []
  let lastEventIdString = ''
  let retry: number | null = null
  const decoder = createEventStreamDecoder(
    {
      onId: (id) => {
        lastEventIdString = id
      },
      onEvent: (message) => {
        events.push({ type: message.event ?? 'message', data: message.data, lastEventId: lastEventIdString })
      },
      onRetry: (milliseconds) => {
        retry = milliseconds
      },
      onOverflow: (error) => {
        throw error
      },
    },
    1 << 20,
  )
  for (const chunk of chunks) decoder.push(chunk)
  return { events, retry, lastEventIdString }
}

describe('parser fixtures at byte level', () => {
  for (const [name, fixture] of Object.entries(fixtures as Record<string, Fixture>)) {
    const body = bodyOf(fixture)
    const expected = expectedOf(fixture)

    it(`${name}: whole body`, () => {
      expect(parse([body])).toEqual(expected)
    })

    it(`${name}: split at each of ${body.length + 1} boundaries`, () => {
      for (let at = 0; at <= body.length; at++) {
        const result = parse([body.subarray(0, at), body.subarray(at)])
        expect(result, `split at byte ${at}`).toEqual(expected)
      }
    })

    it(`${name}: one byte per chunk`, () => {
      expect(parse(Array.from(body, (byte) => Uint8Array.of(byte)))).toEqual(expected)
    })
  }
})
