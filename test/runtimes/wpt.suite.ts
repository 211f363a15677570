// The ported WPT eventsource cases (wpt-fixtures/) as a vitest test file, so every runtime runs
// them through the same runner as the unit suite: vitest on each Node major, the shim elsewhere.
// This is the one place npm test runs the cases for this client, once per runtime. Each case runs
// as written against this project's EventSource, then against eventsource-kit/lite; the
// manifest's expectations for the target (`node` or `node-lite` for server runtimes and workerd,
// `chromium` or `chromium-lite` for a page or a worker) say which cases cannot apply there and
// which deviations are documented, read by judge(); both are reported as skipped, never passed.

import { describe, inject, it } from 'vitest'
import { DEFAULT_TIMEOUT, runCase } from '../../wpt-fixtures/case-kit.js'
import { cases } from '../../wpt-fixtures/cases.js'
import { ClientEventSource, ClientLiteEventSource } from '../../wpt-fixtures/client.js'
import { type Target, expectation, judge, workerSkips } from '../../wpt-fixtures/manifest.js'

const fullTarget = inject('wptTarget')
const base = inject('wptBase')
const remote = inject('wptRemote')
/** The worker targets run these cases in a dedicated or service worker, with the `chromium`
 *  expectations (workerd, a server runtime, has no `window` either and no such case applies). */
const inWorker = !('document' in globalThis) && 'WorkerGlobalScope' in globalThis

// Timing cases wait seconds for a reconnect; side by side (vitest's maxConcurrency) they take
// the time of the slowest instead of the sum. Each case has its own fixture URLs.
function suite(target: Target, EventSource: typeof ClientEventSource): void {
  const env = { EventSource, base, remote }
  describe.concurrent(`WPT eventsource (${target} expectations)`, () => {
    for (const c of cases) {
      const expected = expectation(c.name, target)
      const skip = (expected !== undefined && 'skip' in expected ? expected.skip : undefined) ?? (inWorker ? workerSkips[c.name] : undefined)
      if (skip !== undefined) {
        it.skip(`${c.name} — ${skip}`, () => {})
        continue
      }
      it(
        c.name,
        async (context) => {
          const verdict = judge(await runCase(c, env), expected)
          if (verdict.status === 'skip') context.skip(verdict.reason)
          if (verdict.status === 'fail') throw new Error(verdict.reason)
        },
        (c.timeout ?? DEFAULT_TIMEOUT) + 2_000,
      )
    }
  })
}

// Each class under its own column of the manifest.
suite(fullTarget, ClientEventSource)
suite(fullTarget === 'node' ? 'node-lite' : 'chromium-lite', ClientLiteEventSource)
