import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCase } from '../wpt-fixtures/case-kit.js'
import { cases } from '../wpt-fixtures/cases.js'
import { ClientEventSource, ClientLiteEventSource } from '../wpt-fixtures/client.js'
import { mapLimit } from '../wpt-fixtures/limit.js'
import { expectation, judge } from '../wpt-fixtures/manifest.js'
import { loadParserFixtures, replayCase, splitPatterns } from '../wpt-fixtures/parser-bytes.js'
import type { Result } from '../wpt-fixtures/results.js'
import { launchChromium, runChromium } from '../wpt-fixtures/run-chromium.js'
import { type FixtureServer, startFixtureServer } from '../wpt-fixtures/server.js'

// What the per-runtime WPT suite (test/runtimes/wpt.suite.ts, run by npm test on every runtime)
// cannot do, run once (npm test runs this file on one Node major only):
// - Chromium's own EventSource on the ported cases (`chromium-native`): the reference that proves
//   the fixtures right; a fixture that Chromium fails in an undocumented way is a wrong fixture.
// - The byte-level parser replays, which read raw response bytes with Node's Buffer.
// A documented Chromium failure is reported as skipped with its reason (judge() in the manifest),
// never as passed.

const native = new Map<string, Result>()

beforeAll(async () => {
  const browser = await launchChromium()
  try {
    // All cases up front, side by side, as `npm run conformance` runs them (the timing cases wait
    // seconds on a reconnect, so one at a time would take minutes); each test reads its result.
    for (const result of (await runChromium(browser, 'native')).results) native.set(result.name, result)
  } finally {
    await browser.close()
  }
}, 180_000)

describe("WPT eventsource conformance: chromium-native (Chromium's own EventSource, the fixtures' reference)", () => {
  for (const c of cases) {
    const expected = expectation(c.name, 'chromium-native')
    if (expected !== undefined && 'skip' in expected) {
      it.skip(`${c.name} (skip: ${expected.skip})`, () => {})
      continue
    }
    it(c.name, (context) => {
      const verdict = judge(native.get(c.name), expected)
      if (verdict.status === 'skip') context.skip(verdict.reason)
      if (verdict.status === 'fail') expect.fail(verdict.reason)
    })
  }
})

/** The first `length` bytes of the response body (message2.py's body never ends), plus any rest. */
async function firstBytes(url: URL, length: number): Promise<Buffer> {
  const response = await fetch(url)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  while (received <= length) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    received += value.length
    // An endless body is cut at one block; a finite one is read to its end, to catch extra bytes.
    if (received >= length && url.pathname.endsWith('message2.py')) break
  }
  await reader.cancel()
  return Buffer.concat(chunks)
}

// The byte-level parser check (wpt-fixtures/parser-bytes.ts), against both classes in Node.
describe('WPT parser fixtures, replayed split at every boundary (node)', () => {
  let server: FixtureServer
  beforeAll(async () => {
    server = await startFixtureServer()
  })
  afterAll(() => server.close())

  for (const fixture of loadParserFixtures()) {
    it(`${fixture.name}: the fixture server sends the fixture's exact bytes`, async () => {
      expect((await firstBytes(new URL(fixture.path, `${server.base}/eventsource/`), fixture.body.length)).toString('hex')).toBe(
        fixture.body.toString('hex'),
      )
    })

    for (const [suffix, EventSource] of [
      ['', ClientEventSource],
      [' (eventsource-kit/lite)', ClientLiteEventSource],
    ] as const) {
      it(`${fixture.name}: same events at every chunk boundary${suffix}`, async () => {
        const env = { EventSource, base: server.base, remote: server.remote }
        const replays = splitPatterns(fixture.body)
        const outcomes = await mapLimit(replays, 24, (split) => runCase(replayCase(fixture, split), env))
        const failures = outcomes.flatMap((o, i) => (o.status === 'pass' ? [] : [`split=${replays[i]}: ${o.status === 'fail' ? o.message : o.status}`]))
        expect(failures, `${failures.length} of ${replays.length} replays differ`).toEqual([])
      }, 60_000)
    }
  }
})
