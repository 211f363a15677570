import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCase } from '../wpt-fixtures/case-kit.js'
import { cases } from '../wpt-fixtures/cases.js'
import { ClientEventSource, ClientLiteEventSource } from '../wpt-fixtures/client.js'
import { mapLimit } from '../wpt-fixtures/limit.js'
import { TARGETS, type Target, expectation } from '../wpt-fixtures/manifest.js'
import { loadParserFixtures, replayCase, splitPatterns } from '../wpt-fixtures/parser-bytes.js'
import type { Result } from '../wpt-fixtures/results.js'
import { bundleRunner, launchChromium, runChromium } from '../wpt-fixtures/run-chromium.js'
import { runNode } from '../wpt-fixtures/run-node.js'
import { type FixtureServer, startFixtureServer } from '../wpt-fixtures/server.js'

// The WPT conformance suite (wpt-fixtures/) as part of `npm test`: one test per case × target.
// All cases run up front, concurrently, through the same runners as `npm run conformance` (the
// timing cases wait seconds on a reconnect, so one-at-a-time would take minutes); each test then
// reports its case's result. A case a target cannot run, or a documented Chromium failure, shows
// as skipped with its reason — never as passed.

const results = new Map<Target, Map<string, Result>>()

beforeAll(async () => {
  const browser = await launchChromium()
  try {
    const runnerScript = await bundleRunner()
    const runs = await Promise.all([
      runNode(),
      runChromium(browser, 'plus', { runnerScript }),
      runChromium(browser, 'native', { runnerScript }),
      runNode({ lite: true }),
      runChromium(browser, 'lite', { runnerScript }),
    ])
    for (const run of runs) results.set(run.target, new Map(run.results.map((r) => [r.name, r])))
  } finally {
    await browser.close()
  }
}, 180_000)

for (const target of TARGETS) {
  describe(`WPT eventsource conformance: ${target}`, () => {
    for (const c of cases) {
      const expected = expectation(c.name, target)
      if (expected !== undefined && 'skip' in expected) {
        it.skip(`${c.name} (skip: ${expected.skip})`, () => {})
        continue
      }
      it(c.name, (ctx) => {
        const result = results.get(target)?.get(c.name)
        if (result === undefined) throw new Error('the case did not run')
        if (expected !== undefined && 'fail' in expected) {
          // A documented failure that starts passing must be noticed: update the manifest.
          expect(result.status, `documented failure no longer fails: ${expected.fail}`).toBe('fail')
          ctx.skip(`known failure: ${expected.fail}`)
        }
        if (expected !== undefined && 'flaky' in expected && result.status === 'fail') {
          ctx.skip(`documented flaky Chromium behaviour failed this run: ${expected.flaky}`)
        }
        if (result.status === 'skip') ctx.skip(result.message)
        if (result.status === 'fail') expect.fail(result.message)
      })
    }
  })
}

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
      [' (eventsource-plus/lite)', ClientLiteEventSource],
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
