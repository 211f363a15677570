// The ported WPT eventsource cases (wpt-fixtures/) as a vitest test file, so every runtime runs
// them through the same runner as the unit suite: vitest on Node 22/24, the shim elsewhere. Each
// case runs as written against this project's EventSource, then against eventsource-plus/lite;
// the manifest's expectations for the target (`node` or `node-lite` for server runtimes,
// `chromium` or `chromium-lite` for a page or worker) say which cases cannot apply there and
// which deviations are documented; both are reported as skipped, never passed.

import { describe, inject, it } from 'vitest'
import { DEFAULT_TIMEOUT, runCase } from '../../wpt-fixtures/case-kit.js'
import { cases } from '../../wpt-fixtures/cases.js'
import { ClientEventSource, ClientLiteEventSource } from '../../wpt-fixtures/client.js'
import { type Target, expectation, workerSkips } from '../../wpt-fixtures/manifest.js'

const fullTarget = inject('wptTarget')
const base = inject('wptBase')
const remote = inject('wptRemote')
/** The worker target runs these cases in a dedicated worker, with the `chromium` expectations. */
const inWorker = !('document' in globalThis) && 'WorkerGlobalScope' in globalThis

// Timing cases wait seconds for a reconnect; side by side (vitest's maxConcurrency) they take
// the time of the slowest instead of the sum. Each case has its own fixture URLs.
function suite(target: Target, EventSource: typeof ClientEventSource): void {
  const env = { EventSource, base, remote }
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
}

// Each class under its own column of the manifest.
suite(fullTarget, ClientEventSource)
suite(fullTarget === 'node' ? 'node-lite' : 'chromium-lite', ClientLiteEventSource)
