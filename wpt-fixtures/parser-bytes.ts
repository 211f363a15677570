import { readFileSync } from 'node:fs'
import { type Case, type LogEntry, assertEquals, msg } from './case-kit.js'

// The byte-level check of the pure-parser cases. For every entry of parser-fixtures.json the
// fixture server replays the exact response bytes cut into chunks (its `split` parameter), at
// every single boundary and in a few multi-cut patterns, and the client must dispatch the same
// events every time. It runs at the HTTP level, so the client's real path is exercised: fetch
// body → UTF-8 decode (BOM, split code points) → line splitting (CR|LF across chunks) → dispatch.
//
// Not observable this way: `parsed.retry` and `parsed.lastEventIdString` when no event carries
// them; the unit tests check those on the parser itself.

// The repository's copy of shared/conformance/parser-fixtures.json, so a clone needs nothing beside it.
const FIXTURES = new URL('./parser-fixtures.json', import.meta.url)

interface RawFixture {
  query?: string
  resource?: string
  body_hex?: string
  body_repr?: string
  parsed: { events: Array<{ type: string; data: string; lastEventId: string }> }
}

export interface ParserFixture {
  name: string
  /** URL path relative to `/eventsource/`. */
  path: string
  /** The exact response body (for message2.py: one block of its endless body). */
  body: Buffer
  expected: LogEntry[]
  types: string[]
}

function pathOf(name: string, raw: RawFixture): string {
  if (raw.resource !== undefined) return `resources/${raw.resource}`
  if (raw.query !== undefined) {
    // `sleep` only delays the headers (request-cancellation); the bytes are what is checked here.
    const query = raw.query.split('&').filter((p) => !p.startsWith('sleep=')).join('&')
    return `resources/message.py?${query}`
  }
  if (name.startsWith('event-data')) return 'resources/message2.py'
  throw new Error(`parser fixture ${name} names no resource`)
}

/** Entries without `body_hex` give the body as a Python-style repr (`\\n`, `\\xNN`). */
function fromRepr(name: string, repr: string | undefined): Buffer {
  if (repr === undefined) throw new Error(`parser fixture ${name} has no body`)
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' }
  const text = repr.replace(/\\(x[0-9a-fA-F]{2}|[nrt\\])/g, (_, e: string) =>
    e.startsWith('x') ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (escapes[e] as string),
  )
  return Buffer.from(text, 'latin1')
}

export function loadParserFixtures(file: URL = FIXTURES): ParserFixture[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, RawFixture>
  return Object.entries(raw).map(([name, fixture]) => ({
    name,
    path: pathOf(name, fixture),
    body: fixture.body_hex !== undefined ? Buffer.from(fixture.body_hex, 'hex') : fromRepr(name, fixture.body_repr),
    expected: fixture.parsed.events.map((e) => msg(e.data, e.lastEventId, e.type)),
    types: [...new Set(['message', ...fixture.parsed.events.map((e) => e.type)])],
  }))
}

/**
 * The `split` values to replay a body of `length` bytes with: every single boundary, one byte per
 * chunk, and fixed strides. Above `sampleAbove` bytes (format-comments' 4 KB of comments) single
 * boundaries are sampled — all of the first and last 64 bytes, every boundary within 3 bytes of a
 * CR, LF or NUL, and every 17th — since each boundary costs one connection.
 */
export function splitPatterns(body: Buffer, sampleAbove = 512): string[] {
  const n = body.length
  const near = (i: number): boolean =>
    [-3, -2, -1, 0, 1, 2].some((d) => [0x0a, 0x0d, 0x00].includes(body[i + d] ?? -1))
  const singles = Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1).filter(
    (i) => n <= sampleAbove || i <= 64 || i >= n - 64 || near(i) || i % 17 === 0,
  )
  const stride = (k: number): string => Array.from({ length: Math.floor((n - 1) / k) }, (_, i) => (i + 1) * k).join(',')
  return [...singles.map(String), ...(n <= sampleAbove ? ['every'] : []), stride(2), stride(3), stride(7)].filter((s) => s !== '')
}

/** One replay as a case: the first connection's events, cut at `split`, must be `expected`. */
export function replayCase(f: ParserFixture, split: string): Case {
  const separator = f.path.includes('?') ? '&' : '?'
  return {
    name: `${f.name} split=${split.length > 20 ? `${split.slice(0, 20)}…` : split}`,
    upstream: 'eventsource/resources',
    async run(t) {
      const log = t.log(t.open(t.url(`${f.path}${separator}split=${split}`)), f.types)
      // message2.py never ends its response: stop after its one block of events.
      const entries = f.path.includes('message2.py')
        ? await log.until((e) => e.length > f.expected.length)
        : await log.untilError(0)
      const events = entries.filter((x) => x !== 'open' && !x.startsWith('error:'))
      assertEquals(events.slice(0, f.expected.length), f.expected, 'events')
      if (!f.path.includes('message2.py')) assertEquals(events.length, f.expected.length, 'number of events')
    },
  }
}
