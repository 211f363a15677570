import type { Outcome } from './case-kit.js'
import { cases } from './cases.js'

// One entry per upstream test file of WPT `eventsource/` (WPT-NOTES §1), worker and pending-PR
// tests included: either the ported cases, or why the file cannot apply to this client. Then the
// per-target expectations: where a target cannot run a case (skip, with the reason), and where
// Chromium's own EventSource is known to fail one (documented, and still run and reported).

export const TARGETS = ['node', 'chromium', 'chromium-native', 'node-lite', 'chromium-lite'] as const
export type Target = (typeof TARGETS)[number]

export type ManifestEntry =
  | { file: string; ported: string[] }
  | { file: string; notApplicable: string }

const ported = (file: string): ManifestEntry => ({
  file,
  // A file's cases are those named after it (`<file>` or `<file> <subtest>`).
  ported: cases.filter((c) => c.name === file || c.name.startsWith(`${file} `)).map((c) => c.name),
})
const notApplicable = (file: string, reason: string): ManifestEntry => ({ file, notApplicable: reason })

const IN_A_WORKER = 'repeats the window test of the same name inside a worker realm; the ported window case covers the behaviour'
const WORKER = `${IN_A_WORKER}, and npm test's worker target runs the ported cases in a dedicated worker`
const SHARED_WORKER = `${IN_A_WORKER}; no runner here starts a shared worker`
const REALMS = 'checks which JavaScript realm (iframe) creates objects; a library class has one realm, that of its importer'

export const manifest: ManifestEntry[] = [
  ported('event-data.any.js'),
  ported('eventsource-close.window.js'),
  notApplicable(
    'eventsource-constructor-document-domain.window.js',
    'needs `document.domain` assignment, which needs two registrable hosts (127.0.0.1 has none) and is deprecated',
  ),
  ported('eventsource-constructor-empty-url.any.js'),
  ported('eventsource-constructor-non-same-origin.window.js'),
  ported('eventsource-constructor-stringify.window.js'),
  ported('eventsource-constructor-url-bogus.any.js'),
  notApplicable('eventsource-constructor-url-multi-window.htm', `${REALMS} (relative URL resolved in the iframe's realm)`),
  ported('eventsource-cross-origin.window.js'),
  ported('eventsource-cross-origin-redirect-origin.any.js'),
  ported('eventsource-eventtarget.any.js'),
  notApplicable('eventsource-onmessage-realm.htm', `${REALMS} (MessageEvent created in the EventSource's realm)`),
  ported('eventsource-onmessage-trusted.any.js'),
  ported('eventsource-onmessage.any.js'),
  ported('eventsource-onopen.any.js'),
  ported('eventsource-prototype.any.js'),
  ported('eventsource-reconnect.window.js'),
  ported('eventsource-request-cancellation.window.js'),
  ported('eventsource-url.any.js'),
  ported('format-bom.any.js'),
  ported('format-bom-2.any.js'),
  ported('format-comments.any.js'),
  ported('format-data-before-final-empty-line.any.js'),
  ported('format-field-data.any.js'),
  ported('format-field-event-empty.any.js'),
  ported('format-field-event.any.js'),
  ported('format-field-id.any.js'),
  ported('format-field-id-2.any.js'),
  ported('format-field-id-3.window.js'),
  ported('format-field-id-null.window.js'),
  ported('format-field-parsing.any.js'),
  ported('format-field-retry.any.js'),
  ported('format-field-retry-bogus.any.js'),
  ported('format-field-retry-empty.any.js'),
  ported('format-field-unknown.any.js'),
  ported('format-leading-space.any.js'),
  ported('format-mime-bogus.any.js'),
  ported('format-mime-trailing-semicolon.any.js'),
  ported('format-mime-valid-bogus.any.js'),
  ported('format-newlines.any.js'),
  ported('format-null-character.any.js'),
  ported('format-utf-8.any.js'),
  ported('request-accept.any.js'),
  ported('request-cache-control.any.js'),
  ported('request-credentials.window.js'),
  ported('request-redirect.window.js'),
  ported('request-status-error.window.js'),
  ported('dedicated-worker/eventsource-constructor-no-new.any.js'),
  ...['close', 'constructor-non-same-origin', 'onmessage', 'onopen', 'prototype', 'url'].flatMap((name) => [
    notApplicable(`dedicated-worker/eventsource-${name}.htm`, WORKER),
    notApplicable(`shared-worker/eventsource-${name}.htm`, SHARED_WORKER),
  ]),
  notApplicable(
    'dedicated-worker/eventsource-close2.htm',
    'checks that an EventSource made after the worker called self.close() stays CONNECTING: worker lifetime, not this client',
  ),
  notApplicable('dedicated-worker/eventsource-eventtarget.worker.js', WORKER),
  notApplicable('shared-worker/eventsource-eventtarget.worker.js', SHARED_WORKER),
  notApplicable(
    'dedicated-worker/eventsource-constructor-url-bogus.js',
    'orphan helper that no upstream test loads; eventsource-constructor-url-bogus.any.js is ported',
  ),
  // Tests in open pull requests.
  ported('eventsource-from-readable-stream.any.js'),
  ported('eventsource-from-readable-stream-fetch.window.js'),
  notApplicable(
    'eventsource-cross-origin-preflight.window.js',
    'pending WPT #49257: preflights a CORS-unsafe Last-Event-ID, a Fetch change (fetch #1788) not merged and shipped by no browser',
  ),
  notApplicable(
    'eventsource-bfcache.window.js',
    'pending html #12381: needs navigation and the back/forward cache of a browsing context',
  ),
]

/**
 * `skip`: the target cannot run the case. `fail`: a documented failure of the target. `flaky`: a
 * documented behaviour of Chromium that changes from run to run; either outcome is accepted and
 * the result is still reported as it happened.
 */
export type Expectation = { skip: string } | { fail: string } | { flaky: string }

const NO_BASE_URL = 'Node has no document base URL, so a relative URL cannot be resolved'
const NO_CORS = "Node's fetch has no origin and performs no CORS check"
const NOT_GLOBAL = 'this client is a module export: it does not install itself on the global object'
const UNTRUSTED = 'isTrusted is true only for events the user agent dispatches; script-created events never are'

// Chromium's own behaviour, observed with Chromium 147 (see wpt-fixtures/README.md). The
// `chromium` target runs this client on Chromium's fetch(), which behaves the same way and gives
// the client no means to tell these cases apart, so it inherits the same result.
const CORS_RECONNECTS =
  'Chromium treats a CORS failure as a network error and reestablishes the connection (error with readyState CONNECTING); WPT expects it to fail (CLOSED)'
const CORS_RECONNECTS_FETCH = `${CORS_RECONNECTS}. fetch() rejects a CORS failure with the same TypeError as a network failure, so the client cannot fail only the former`
const STOP_RECONNECTS =
  'Chromium reports the request cancelled by window.stop() as a network error and reestablishes (readyState CONNECTING) instead of failing the connection'
const STOP_RECONNECTS_FETCH = `${STOP_RECONNECTS}: fetch() rejects with "TypeError: Failed to fetch", not an AbortError, so the client cannot tell the cancellation from a network failure`
const NO_CACHE_HEADER =
  'Chromium sends no `Cache-Control: no-cache` for a no-store request (Fetch adds it in HTTP-network-or-cache fetch); the server sees no Cache-Control at all'
const NO_CACHE_HEADER_SAME = `${NO_CACHE_HEADER}. Setting it from script on same-origin requests would survive a redirect to another origin and force a CORS preflight there (see eventsource-cross-origin-redirect-origin)`
const NATIVE_CACHE_HEADER =
  "Chromium 147's own EventSource sends `Cache-Control: no-cache` in some runs and not in others (it depends on what the browser did before); when it does, it keeps the header across a cross-origin redirect and the CORS preflight for it fails"
const NO_CACHE_HEADER_CROSS = `${NO_CACHE_HEADER}. A script-set Cache-Control would make the cross-origin request need a CORS preflight`

/** Expected outcome per case and target where it is not "pass". */
export const expectations: Record<string, Partial<Record<Target, Expectation>>> = {
  'eventsource-constructor-empty-url.any.js': { node: { skip: NO_BASE_URL } },
  'eventsource-constructor-stringify.window.js 1': { node: { skip: NO_BASE_URL } },
  'eventsource-constructor-stringify.window.js null': { node: { skip: NO_BASE_URL } },
  'eventsource-constructor-stringify.window.js undefined': { node: { skip: NO_BASE_URL } },
  'eventsource-url.any.js': { node: { skip: NO_BASE_URL } },
  'eventsource-request-cancellation.window.js': {
    node: { skip: 'window.stop() exists only in a browser window' },
    chromium: { fail: STOP_RECONNECTS_FETCH },
    'chromium-native': { fail: STOP_RECONNECTS },
  },
  'eventsource-onmessage-trusted.any.js': {
    node: { skip: UNTRUSTED },
    chromium: { skip: UNTRUSTED },
    'chromium-native': { fail: 'Chromium dispatches the message event with isTrusted false' },
  },
  'eventsource-prototype.any.js own property of the global': { node: { skip: NOT_GLOBAL }, chromium: { skip: NOT_GLOBAL } },
  'eventsource-cross-origin.window.js wrong origin': {
    node: { skip: NO_CORS },
    chromium: { fail: CORS_RECONNECTS_FETCH },
    'chromium-native': { fail: CORS_RECONNECTS },
  },
  'eventsource-cross-origin.window.js empty origin': {
    node: { skip: NO_CORS },
    chromium: { fail: CORS_RECONNECTS_FETCH },
    'chromium-native': { fail: CORS_RECONNECTS },
  },
  'eventsource-cross-origin.window.js no CORS headers': {
    node: { skip: NO_CORS },
    chromium: { fail: CORS_RECONNECTS_FETCH },
    'chromium-native': { fail: CORS_RECONNECTS },
  },
  'request-cache-control.any.js same-origin': {
    chromium: { fail: NO_CACHE_HEADER_SAME },
    'chromium-native': { flaky: NATIVE_CACHE_HEADER },
  },
  'request-cache-control.any.js cross-origin': {
    chromium: { fail: NO_CACHE_HEADER_CROSS },
    'chromium-native': { fail: NO_CACHE_HEADER },
  },
  'eventsource-cross-origin-redirect-origin.any.js': { 'chromium-native': { flaky: NATIVE_CACHE_HEADER } },
  'request-credentials.window.js enabled': {
    node: { skip: "Node's fetch keeps no cookies, so withCredentials has no cookie to send" },
  },
}

// eventsource-kit/lite runs the same cases in the same places: a lite target expects what the
// full class's target expects, except where `liteExpectations` says otherwise.
const FULL_TARGET: Partial<Record<Target, Target>> = { 'node-lite': 'node', 'chromium-lite': 'chromium' }
const NO_FROM_STREAM = 'eventsource-kit/lite leaves out EventSource.fromReadableStream (whatwg/html PR #12272, in no browser yet)'

/** Where a lite target's expectation differs from that of the full class on the same runtime. */
export const liteExpectations: Record<string, Expectation> = Object.fromEntries(
  cases.filter((c) => c.name.startsWith('eventsource-from-readable-stream')).map((c) => [c.name, { skip: NO_FROM_STREAM }]),
)

/** How a case's outcome reads against the manifest: what a test runner reports for it. */
export type Verdict = { status: 'pass' } | { status: 'skip'; reason: string } | { status: 'fail'; reason: string }

/**
 * The one reading of a manifest expectation, for every runner (wpt.suite.ts on each runtime,
 * test/conformance.test.ts, `npm run conformance`). `outcome` is undefined when the case was not
 * run (the manifest skips it). A documented failure is reported as skipped with its reason, never
 * as passed, and must still fail: one that passes is a failure (update the manifest). A documented
 * flaky behaviour is skipped when it failed this run. A case that skipped itself (a feature it
 * tests is absent) is skipped with its own reason.
 */
export function judge(outcome: Outcome | undefined, expected: Expectation | undefined): Verdict {
  if (expected !== undefined && 'skip' in expected) return { status: 'skip', reason: expected.skip }
  if (outcome === undefined) return { status: 'fail', reason: 'the case did not run' }
  if (expected !== undefined && 'fail' in expected) {
    return outcome.status === 'fail'
      ? { status: 'skip', reason: `known failure: ${expected.fail}` }
      : { status: 'fail', reason: `documented failure no longer fails (update the manifest): ${expected.fail}` }
  }
  if (expected !== undefined && 'flaky' in expected && outcome.status === 'fail') {
    return { status: 'skip', reason: `documented flaky behaviour failed this run: ${expected.flaky}` }
  }
  if (outcome.status === 'pass') return { status: 'pass' }
  return { status: outcome.status, reason: outcome.message }
}

export function expectation(caseName: string, target: Target): Expectation | undefined {
  const full = FULL_TARGET[target]
  if (full === undefined) return expectations[caseName]?.[target]
  return liteExpectations[caseName] ?? expectations[caseName]?.[full]
}

/** Cases the `chromium` target cannot run when its cases run in a dedicated worker (npm test's
 *  worker target) rather than a page: they need an API only a window has. */
export const workerSkips: Record<string, string> = {
  'eventsource-request-cancellation.window.js': 'window.stop() exists only in a window, not in a dedicated worker',
}

// Keep the manifest honest: every case belongs to exactly one file, every expectation to a case.
const listed = manifest.flatMap((entry) => ('ported' in entry ? entry.ported : []))
for (const c of cases) {
  if (listed.filter((name) => name === c.name).length !== 1) throw new Error(`case not in the manifest once: ${c.name}`)
}
for (const entry of manifest) {
  if ('ported' in entry && entry.ported.length === 0) throw new Error(`ported file without cases: ${entry.file}`)
}
for (const name of [...Object.keys(expectations), ...Object.keys(workerSkips)]) {
  if (!cases.some((c) => c.name === name)) throw new Error(`expectation for unknown case: ${name}`)
}
