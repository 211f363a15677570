// The ported WPT eventsource cases (wpt-fixtures/) as a vitest test file, so every runtime runs
// them through the same runner as the unit suite: vitest on Node 22/24, the shim elsewhere. Each
// case runs as written against this project's EventSource; the manifest's expectations for the
// target (`node` for server runtimes, `chromium` for a page or worker) say which cases cannot
// apply there and which deviations are documented; both are reported as skipped, never passed.

import { describe, inject, it } from 'vitest'
import { DEFAULT_TIMEOUT, runCase } from '../../wpt-fixtures/case-kit.js'
import { cases } from '../../wpt-fixtures/cases.js'
import { ClientEventSource } from '../../wpt-fixtures/client.js'
import { expectation, workerSkips } from '../../wpt-fixtures/manifest.js'

const env = { EventSource: ClientEventSource, base: inject('wptBase'), remote: inject('wptRemote') }
const target = inject('wptTarget')
/** The worker target runs these cases in a dedicated worker, with the `chromium` expectations. */
const inWorker = !('document' in globalThis) && 'WorkerGlobalScope' in globalThis

// Timing cases wait seconds for a reconnect; side by side (vitest's maxConcurrency) they take
// the time of the slowest instead of the sum. Each case has its own fixture URLs.
describe.concurrent(`WPT eventsource (${target} expectations)`, () => {
  for (const c of cases) {
    const expected = expectation(c.name, target)
    if (expected !== undefined && 'skip' in expected) {
      it.skip(`${c.name} — ${expected.skip}`, () => {})
      continue
    }
    const workerSkip = inWorker ? workerSkips[c.name] : undefined
    if (workerSkip !== undefined) {
      it.skip(`${c.name} — ${workerSkip}`, () => {})
      continue
    }
    it(
      c.name,
      async (context) => {
        const outcome = await runCase(c, env)
        // The manifest's documented deviations, read as test/conformance.test.ts reads them.
        if (expected !== undefined && 'fail' in expected) {
          if (outcome.status !== 'fail') throw new Error(`documented failure no longer fails (update the manifest): ${expected.fail}`)
          context.skip(`known failure: ${expected.fail}`)
        }
        if (expected !== undefined && 'flaky' in expected && outcome.status === 'fail') {
          context.skip(`documented flaky behaviour failed this run: ${expected.flaky}`)
        }
        if (outcome.status === 'skip') context.skip(outcome.message)
        if (outcome.status === 'fail') throw new Error(outcome.message)
      },
      (c.timeout ?? DEFAULT_TIMEOUT) + 2_000,
    )
  }
})
