/**
 * Differential fuzzing (issue 6): random event-stream bodies over the whole
 * grammar, cut into reads at random boundaries, through the client's real
 * path (bytes → streaming UTF-8 decoder → eventsource-parser → events), must
 * mean exactly what the naive reference of §9.2.6 (./fuzz/reference.ts) says:
 * the same events, the same last event ID string, the same reconnection times.
 * A sample also goes through `EventSource` and `fetchEvents()` over HTTP.
 *
 * `npm test` runs a bounded number of cases; `npm run fuzz` runs many
 * (FUZZ_RUNS). A failure prints fast-check's seed and path: rerun with
 * FUZZ_SEED=<seed> FUZZ_PATH=<path> to replay exactly that case.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource, fetchEvents } from '../src/index.js'
import { createEventStreamDecoder } from '../src/event-stream.js'
import { MAX_TIMER_DELAY } from '../src/retry.js'
import fixtures from '../wpt-fixtures/parser-fixtures.json' with { type: 'json' }
import { concatBytes, eventStreamBody, splitStrategy, toHex } from './fuzz/arbitraries.js'
import { decodeEventStream, interpretEventStream, utf8Decode, type ReferenceResult } from './fuzz/reference.js'
import { closeAll, scriptUrl, track, uniqueKey, waitForEvent } from './support/script.js'
import type { Chunk } from './support/script.js'

const origin = inject('sseOrigin')

afterEach(closeAll)

// Read defensively: a browser or Worker run of this file has no `process`.
const env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env
/** Cases per property for `npm run fuzz`; the bounded defaults below otherwise. */
const LONG_RUNS = Number(env.FUZZ_RUNS ?? 0)
const replay: fc.Parameters<unknown> =
  env.FUZZ_SEED === undefined ? {} : { seed: Number(env.FUZZ_SEED), ...(env.FUZZ_PATH === undefined ? {} : { path: env.FUZZ_PATH }) }

/**
 * Cases for one property: `bounded` in `npm test`; FUZZ_RUNS / `share` in
 * `npm run fuzz` (HTTP cases cost ~10 ms each, so they get a share).
 */
function caseCount(bounded: number, share = 1): number {
  return LONG_RUNS > 0 ? Math.max(bounded, Math.round(LONG_RUNS / share)) : bounded
}
/** fast-check settings for {@link caseCount} cases, replaying FUZZ_SEED/FUZZ_PATH when set. */
function runs(bounded: number, share = 1): fc.Parameters<unknown> {
  return { numRuns: caseCount(bounded, share), ...replay }
}
/** A per-test timeout that grows with FUZZ_RUNS, so a long run is not cut by vitest's default. */
function timeoutFor(bounded: number, msPerCase: number, share = 1): number {
  return Math.max(20_000, caseCount(bounded, share) * msPerCase * 3)
}

/** The client's decode + parse path over one body delivered as `chunks`, observed as connection.ts observes it. */
function clientParse(chunks: readonly Uint8Array[]): ReferenceResult {
  const { decoder, result } = clientDecoder()
  for (const chunk of chunks) decoder.push(chunk)
  return result
}

/** One body's decoder, recording what connection.ts would be told. */
function clientDecoder(): { decoder: ReturnType<typeof createEventStreamDecoder>; result: ReferenceResult } {
  const result: ReferenceResult = { events: [], lastEventId: '', retries: [] }
  const decoder = createEventStreamDecoder(
    {
      onId: (id) => {
        result.lastEventId = id
      },
      onEvent: (message) => {
        result.events.push({ type: message.event ?? 'message', data: message.data, lastEventId: result.lastEventId })
      },
      // connection.ts clamps exactly like this before storing the value.
      onRetry: (milliseconds) => {
        result.retries.push(Math.min(milliseconds, MAX_TIMER_DELAY))
      },
      onOverflow: (error) => {
        throw error
      },
    },
    // Far above any generated body: overflow is the hostile-server tests' subject.
    1 << 24,
  )
  return { decoder, result }
}

describe('the reference implementation itself', () => {
  // An oracle that is wrong makes every comparison worthless, so it must first
  // agree with the WPT expectations the client is held to.
  interface Fixture {
    body_hex?: string
    parsed: { events: ReferenceResult['events']; retry: number | null; lastEventIdString: string } | string
  }
  for (const [name, fixture] of Object.entries(fixtures as Record<string, Fixture>)) {
    if (fixture.body_hex === undefined || typeof fixture.parsed === 'string') continue
    const expected = fixture.parsed
    it(`agrees with WPT ${name}`, () => {
      const body = Uint8Array.from(fixture.body_hex?.match(/../g) ?? [], (hex) => parseInt(hex, 16))
      const result = interpretEventStream(body)
      expect(result.events).toEqual(expected.events)
      expect(result.lastEventId).toBe(expected.lastEventIdString)
      expect(result.retries.at(-1) ?? null).toBe(expected.retry)
    })
  }

  it('its UTF-8 decoder matches a whole-buffer TextDecoder on arbitrary bytes', () => {
    // Non-streaming with ignoreBOM is the one TextDecoder mode trusted here
    // (Node 24 strips two BOMs only when the first is split across calls).
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(utf8Decode(bytes)).toBe(decoder.decode(bytes))
      }),
      runs(2000),
    )
  })

  it('strips exactly one BOM', () => {
    expect(decodeEventStream(Uint8Array.of(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61))).toBe('\uFEFFa')
  })
})

describe('client decode + parse path vs the reference', () => {
  it(
    'same events, last event ID and reconnection times for every body and every split',
    () => {
      fc.assert(
        fc.property(eventStreamBody, splitStrategy, (body, split) => {
          const chunks = split(body)
          const expected = interpretEventStream(body)
          const sizes = chunks.map((chunk) => chunk.length).join(',')
          expect(clientParse(chunks), `body ${toHex(body)} in reads of [${sizes}] bytes`).toEqual(expected)
        }),
        runs(3000),
      )
    },
    timeoutFor(3000, 1),
  )

  // Decoders share the parser one leaves at the end of a block
  // (src/event-stream.ts, `spare`): several bodies read side by side, their
  // reads interleaved in any order, must each mean what it means alone.
  it(
    'several bodies read side by side, reads interleaved: each the same as alone',
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(eventStreamBody, splitStrategy), { minLength: 2, maxLength: 4 }),
          fc.array(fc.nat(), { maxLength: 200 }),
          (bodies, order) => {
            const streams = bodies.map(([body, split]) => ({ body, chunks: split(body), next: 0, ...clientDecoder() }))
            // `order` picks which body reads next; what is left goes in turn.
            const picks = [...order, ...streams.flatMap((stream, index) => stream.chunks.map(() => index))]
            for (const pick of picks) {
              const open = streams.filter((stream) => stream.next < stream.chunks.length)
              if (open.length === 0) break
              const stream = open[pick % open.length]!
              stream.decoder.push(stream.chunks[stream.next++]!)
            }
            for (const { body, chunks, result } of streams) {
              const sizes = chunks.map((chunk) => chunk.length).join(',')
              expect(result, `body ${toHex(body)} in reads of [${sizes}] bytes`).toEqual(interpretEventStream(body))
            }
          },
        ),
        runs(1000),
      )
    },
    timeoutFor(1000, 3),
  )
})

describe('EventSource and fetchEvents over HTTP vs the reference (a sample)', () => {
  /** Merges the reads past `max` into the last one: a write costs a 1 ms pause here. */
  function atMostReads(chunks: Uint8Array[], max: number): Uint8Array[] {
    if (chunks.length <= max) return chunks
    return [...chunks.slice(0, max - 1), concatBytes(chunks.slice(max - 1))]
  }

  /** The body as separate writes with a pause between, so reads really split. */
  function scriptChunks(chunks: readonly Uint8Array[]): Chunk[] {
    const out: Chunk[] = []
    for (const chunk of chunks) {
      if (out.length > 0) out.push({ delay: 1 })
      out.push({ hex: toHex(chunk) })
    }
    return out
  }

  it(
    'EventSource: same events, lastEventId and reconnectionTime',
    async () => {
      await fc.assert(
        fc.asyncProperty(eventStreamBody, splitStrategy, async (body, split) => {
          const chunks = atMostReads(split(body), 24)
          const expected = interpretEventStream(body)
          const url = scriptUrl(origin, uniqueKey('fuzz-es'), [{ chunks: scriptChunks(chunks) }])
          // retry: false turns the end of the body into a final `error`, which
          // marks the moment every event of the body has been dispatched.
          const es = track(new EventSource(url, { retry: false }))
          const seen: ReferenceResult['events'] = []
          const dispatch = es.dispatchEvent.bind(es)
          // Every dispatched event, whatever its type: a listener per type could
          // not see an event of a type nobody expected.
          es.dispatchEvent = (event: Event): boolean => {
            if (event instanceof MessageEvent) {
              seen.push({ type: event.type, data: String(event.data), lastEventId: event.lastEventId })
            }
            return dispatch(event)
          }
          await waitForEvent(es, 'error')
          const where = `body ${toHex(body)}`
          expect(es.readyState, where).toBe(EventSource.CLOSED)
          expect(seen, where).toEqual(expected.events)
          expect(es.lastEventId, where).toBe(expected.lastEventId)
          expect(es.reconnectionTime, where).toBe(expected.retries.at(-1) ?? 3000)
        }),
        runs(25, 100),
      )
    },
    timeoutFor(25, 60, 100),
  )

  it(
    'fetchEvents: same events and last event IDs',
    async () => {
      await fc.assert(
        fc.asyncProperty(eventStreamBody, async (body) => {
          const expected = interpretEventStream(body)
          const url = scriptUrl(origin, uniqueKey('fuzz-fe'), [{ chunks: [{ hex: toHex(body) }] }])
          const seen: ReferenceResult['events'] = []
          for await (const event of fetchEvents(url, { retry: false })) seen.push(event)
          expect(seen, `body ${toHex(body)}`).toEqual(expected.events)
        }),
        runs(25, 100),
      )
    },
    timeoutFor(25, 40, 100),
  )
})
