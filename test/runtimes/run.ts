// `npm test`: the unit suite and the ported WPT cases on every runtime, then one summary.
//
//   Node 24, 22, 26     vitest itself (test/runtimes/vitest.config.ts: every test file + wpt.suite.ts;
//                       test/conformance.test.ts, Chromium's own EventSource as the fixtures'
//                       reference and the byte-level parser replays, on Node 24 only), with the
//                       Node transport, the default on Node
//   Node 24 on fetch    the same with TEST_TRANSPORT=fetch (Node's fetch, `transport: 'fetch'`),
//                       but for the files it changes nothing in (TRANSPORT_INDEPENDENT)
//   Deno, Bun           each portable test file bundled with the vitest API shim, one process per file
//   workerd             the same bundles as ES module Workers, one workerd process per file; the
//                       Worker's fetch() runs the file (workerd allows I/O only inside a request)
//   Chromium page, dedicated worker, service worker
//                       the same bundles as classic scripts, one page (and worker) per file
//   package             npm pack → install in a temp project → import/require from each runtime,
//                       engine-strict install on each claimed Node, publint, attw, workerd
//
// Node 20 is not a target: it is past its end of life (2026-04-30) and eventsource-parser, the
// one runtime dependency, declares `^22.12.0 || ^24.0.0 || >=26.0.0`.
//
// Portable test files: test/**/*.test.ts except test/node/** (Node-only by convention) and
// test/conformance.test.ts (it drives Chromium itself), plus test/runtimes/wpt.suite.ts. The
// globalSetup files of the vitest config run here, in this process, once for all shim runtimes;
// what they `provide` is handed to each bundle, where `inject` reads it.
//
// Ends with the table, `N passed, N failed, N skipped` over everything, writes
// reports/runtimes.json (runtimes.partial.json for a partial run), and exits non-zero if
// anything failed or a runtime could not start.
// `node … test/runtimes/run.ts workerd deno --files=decoding` runs only the runtimes named, and
// only the matching test files in the shim runtimes.

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startFixtureServer } from '../../wpt-fixtures/server.js'
import { ROOT, bundleTestFile } from './bundle.js'
import { type BrowserScope, launchChromium, runPage, serveScripts } from './browser.js'
import { runPackageChecks } from './package-smoke.js'
import { NODE, describeExit, run, versionOf } from './processes.js'
import { knownFailures } from './known-failures.js'
import { type Failure, type RunReport, type RuntimeReport, type Skip, closingLine, summaryTable } from './report.js'
import { type FileResult, RESULT_PREFIX, type ShimConfig } from './shim.js'
import { WORKERD, startWorker } from './workerd.js'

const WPT_SUITE = 'test/runtimes/wpt.suite.ts'
/** `--files=<substring>`: only the portable test files whose path contains it (shim runtimes). */
const fileFilter = process.argv.find((arg) => arg.startsWith('--files='))?.slice('--files='.length)
const VITEST_CONFIG = 'test/runtimes/vitest.config.ts'
const REPORTS = join(ROOT, 'reports')
const WORK = join(ROOT, '.tmp', 'runtimes')
/** Longest a single test file may take in a shim runtime before it counts as hung. */
const FILE_TIMEOUT_MS = 5 * 60_000
/** Longest a whole vitest run may take (it normally takes about a minute). */
const VITEST_TIMEOUT_MS = 12 * 60_000
const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name)

/** Test files every runtime runs, relative to the repository root. */
function portableFiles(): string[] {
  const files = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
    .map((f) => `test/${f.split('\\').join('/')}`)
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('test/node/') && f !== 'test/conformance.test.ts')
    .sort()
  const all = [...files, WPT_SUITE]
  return fileFilter === undefined ? all : all.filter((f) => f.includes(fileFilter))
}

interface Counts {
  passed: number
  failed: number
  skipped: number
  failures: Failure[]
  skips?: Skip[]
}

/** A file's results with this runtime's known failures (known-failures.ts) turned into skips
 *  that carry their reason, and any of them that passed into a failure, so the list stays true. */
function withKnownFailures(result: FileResult, known: Record<string, string>): FileResult {
  const tests = result.tests.map((test) => {
    const reason = known[`${result.file} > ${test.name}`]
    if (reason === undefined) return test
    if (test.status === 'fail') return { ...test, status: 'skip' as const, note: `known failure: ${reason}` }
    if (test.status === 'pass') return { ...test, status: 'fail' as const, error: `a known failure passed: remove it from test/runtimes/known-failures.ts (${reason})` }
    return test
  })
  return { ...result, tests }
}

function countFile(result: FileResult, counts: Counts): void {
  for (const test of result.tests) {
    if (test.status === 'pass') counts.passed++
    else if (test.status === 'skip') {
      counts.skipped++
      // A skip decided at run time carries its reason; `it.skip` ones have theirs in the name.
      if (test.note !== undefined) (counts.skips ??= []).push({ name: `${result.file} > ${test.name}`, reason: test.note })
    } else {
      counts.failed++
      counts.failures.push({ name: `${result.file} > ${test.name}`, error: test.error ?? '' })
    }
  }
  for (const error of result.errors) {
    counts.failed++
    counts.failures.push({ name: result.file, error })
  }
}

const log = (line: string): void => void process.stdout.write(`${line}\n`)

function fileLine(result: FileResult, seconds: number): string {
  const n = (s: string): number => result.tests.filter((t) => t.status === s).length
  const failed = n('fail') + result.errors.length
  const parts = [`${n('pass')} passed`, ...(failed > 0 ? [`${failed} failed`] : []), ...(n('skip') > 0 ? [`${n('skip')} skipped`] : [])]
  return `  ${failed > 0 ? '✗' : '✓'} ${result.file}  ${parts.join(', ')}  (${seconds.toFixed(1)} s)`
}

function printFailures(failures: Failure[]): void {
  for (const f of failures) log(`    FAIL ${f.name}\n      ${f.error.split('\n').join('\n      ')}`)
}

function printSkips(skips: Skip[]): void {
  for (const s of skips) log(`    skip ${s.name}\n      ${s.reason}`)
}

function withoutColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, ...rest } = env
  return rest
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const value = await work()
  return [value, (performance.now() - started) / 1000]
}

// ---- the shim's environment: globalSetup files and settings from the vitest config ------------

interface ShimEnvironment {
  config: ShimConfig
  teardown(): Promise<void>
}

async function startShimEnvironment(): Promise<ShimEnvironment> {
  const { default: vitestConfig } = (await import(pathToFileURL(join(ROOT, VITEST_CONFIG)).href)) as {
    default: { test?: { globalSetup?: string | string[]; testTimeout?: number; hookTimeout?: number; maxConcurrency?: number } }
  }
  const test = vitestConfig.test ?? {}
  const provided: Record<string, unknown> = {}
  const project = { provide: (key: string, value: unknown) => void (provided[key] = value) }
  const teardowns: Array<() => unknown> = []
  for (const file of [test.globalSetup ?? []].flat()) {
    const setup = (await import(pathToFileURL(join(ROOT, file)).href)) as { default?: unknown; setup?: unknown; teardown?: unknown }
    const start = (setup.default ?? setup.setup) as ((p: typeof project) => unknown) | undefined
    const teardown = await start?.(project)
    if (typeof teardown === 'function') teardowns.unshift(teardown as () => unknown)
    if (typeof setup.teardown === 'function') teardowns.unshift(setup.teardown as () => unknown)
  }
  return {
    // vitest's defaults where the config sets nothing.
    config: { provided, testTimeout: test.testTimeout ?? 5_000, hookTimeout: test.hookTimeout ?? 10_000, maxConcurrency: test.maxConcurrency ?? 5 },
    teardown: async () => {
      for (const teardown of teardowns) await teardown()
    },
  }
}

// ---- targets ------------------------------------------------------------------------------

interface Target {
  id: string
  runner: string
  /** Resolves the label (with the version actually run), or undefined when it cannot start. */
  probe(): Promise<string | undefined>
  run(): Promise<Counts>
}

type VitestJson = {
  testResults: Array<{ name: string; status: string; message?: string; assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }> }>
}

/** The test files only Node 24 runs: conformance drives Chromium's own EventSource, the same on
 *  every Node (the WPT cases for this client run per runtime in wpt.suite.ts instead); the soak
 *  takes a minute, and the other majors run the hostile-server and leak suites; the compiler's
 *  verdict is the same on every Node. */
const ONCE = ['test/conformance.test.ts', 'test/node/soak.test.ts', 'test/node/typecheck.test.ts']

/** What the fetch run leaves out: files in which TEST_TRANSPORT changes nothing, because the
 *  library runs in Chromium (tabs), in child processes of the built package, which choose their
 *  entry by export condition (cli, demo), or on a transport the test names (transport*). */
const TRANSPORT_INDEPENDENT = [
  'test/node/tabs.test.ts',
  'test/node/cli.test.ts',
  'test/node/demo.test.ts',
  'test/node/transport.test.ts',
  'test/node/transport-classes.test.ts',
  'test/node/transport-default.test.ts',
  // It runs every client on both transports itself.
  'test/node/soak.test.ts',
  'test/node/typecheck.test.ts',
]

/** `transport`: what the library's requests go through when a test gives no `fetch`
 *  (test/support/transport-setup.ts): `node`, as on Node by default, or `fetch`. */
function vitestTarget(id: string, name: string, node: string, options: { once: boolean; transport: 'node' | 'fetch' }): Target {
  return {
    id,
    runner: options.transport === 'node' ? 'vitest, Node transport' : 'vitest, fetch',
    probe: async () => {
      const version = await versionOf(node)
      return version === undefined ? undefined : `${name} ${version.replace(/^v/, '')}`
    },
    run: async () => {
      const output = join(WORK, `${id}.json`)
      rmSync(output, { force: true })
      const args = [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', VITEST_CONFIG, '--reporter=default', '--reporter=json', `--outputFile.json=${output}`]
      if (!options.once) for (const file of ONCE) args.push('--exclude', file)
      if (options.transport === 'fetch') for (const file of TRANSPORT_INDEPENDENT) args.push('--exclude', file)
      const env = { ...withoutColor(process.env), NO_COLOR: '1', TEST_TRANSPORT: options.transport }
      const exit = await run(node, args, { cwd: ROOT, env, timeoutMs: VITEST_TIMEOUT_MS })
      writeFileSync(join(REPORTS, 'runtimes', `${id}.log`), exit.stdout + exit.stderr)
      const counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] }
      let json: VitestJson | undefined
      try {
        json = JSON.parse(readFileSync(output, 'utf8')) as VitestJson
      } catch {
        json = undefined
      }
      for (const file of json?.testResults ?? []) {
        const name = relative(ROOT, file.name)
        const results: FileResult = { file: name, tests: [], errors: [] }
        for (const a of file.assertionResults) {
          const status = a.status === 'passed' ? 'pass' : a.status === 'failed' ? 'fail' : 'skip'
          results.tests.push({ name: a.fullName, status, ms: 0, ...(status === 'fail' ? { error: (a.failureMessages ?? []).join('\n').split('\n').slice(0, 8).join('\n') } : {}) })
        }
        if (file.status === 'failed' && !results.tests.some((t) => t.status === 'fail')) results.errors.push(file.message || 'the file failed')
        countFile(withKnownFailures(results, knownFailures[id] ?? {}), counts)
      }
      // Unhandled errors, a crash or a missing report: vitest failed without a failing test.
      if (exit.code !== 0 && counts.failed === 0) {
        counts.failed++
        counts.failures.push({ name: `vitest on ${name}`, error: describeExit(exit) })
      }
      log(exit.stdout.trim().split('\n').filter((l) => /^\s*(Test Files|Tests|Duration)\s/.test(l)).map((l) => `  ${l.trim()}`).join('\n'))
      return counts
    },
  }
}

/** A runtime that runs each bundled test file as its own process. */
function processTarget(id: string, probe: () => Promise<string | undefined>, command: () => string[], bundles: () => Map<string, string | { error: string }>): Target {
  return {
    id,
    runner: 'vitest API shim',
    probe,
    run: async () => {
      const counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] }
      const logLines: string[] = []
      for (const [file, path] of bundles()) {
        if (typeof path !== 'string') {
          const result: FileResult = { file, tests: [], errors: [path.error] }
          countFile(result, counts)
          log(fileLine(result, 0))
          continue
        }
        const [cmd, ...args] = command()
        const [exit, seconds] = await timed(() => run(cmd as string, [...args, path], { cwd: ROOT, timeoutMs: FILE_TIMEOUT_MS }))
        logLines.push(`==== ${file}\n${exit.stdout}${exit.stderr}`)
        const line = exit.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
        const result: FileResult = line === undefined ? { file, tests: [], errors: [`no result: ${describeExit(exit)}`] } : (JSON.parse(line.slice(RESULT_PREFIX.length)) as FileResult)
        const judged = withKnownFailures(result, knownFailures[id] ?? {})
        countFile(judged, counts)
        log(fileLine(judged, seconds))
      }
      writeFileSync(join(REPORTS, 'runtimes', `${id}.log`), logLines.join('\n'))
      return counts
    },
  }
}

/** workerd: each bundled test file as an ES module Worker in a workerd process of its own. */
function workerdTarget(bundles: () => Map<string, string | { error: string }>): Target {
  return {
    id: 'workerd',
    runner: 'vitest API shim',
    // `workerd --version` prints e.g. `workerd 2026-11-23`: the date it supports up to.
    probe: () => versionOf(WORKERD),
    run: async () => {
      const counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] }
      const logLines: string[] = []
      for (const [file, path] of bundles()) {
        const [result, seconds] = await timed(async (): Promise<FileResult> => {
          if (typeof path !== 'string') return { file, tests: [], errors: [path.error] }
          let worker: Awaited<ReturnType<typeof startWorker>> | undefined
          try {
            worker = await startWorker(path)
            const response = await fetch(worker.origin, { signal: AbortSignal.timeout(FILE_TIMEOUT_MS) })
            const text = await response.text()
            if (!response.ok) return { file, tests: [], errors: [`the Worker answered ${response.status}: ${text.slice(0, 2000)}\n${worker.output().slice(-2000)}`] }
            return JSON.parse(text) as FileResult
          } catch (error) {
            return { file, tests: [], errors: [`workerd: ${error instanceof Error ? error.message : String(error)}${worker === undefined ? '' : `\n${worker.output().slice(-2000)}`}`] }
          } finally {
            logLines.push(`==== ${file}\n${worker?.output() ?? ''}`)
            await worker?.close()
          }
        })
        const judged = withKnownFailures(result, knownFailures.workerd ?? {})
        countFile(judged, counts)
        log(fileLine(judged, seconds))
      }
      writeFileSync(join(REPORTS, 'runtimes', 'workerd.log'), logLines.join('\n'))
      return counts
    },
  }
}

/** The global object's class in each Chromium scope. */
const REALM: Record<BrowserScope, string> = { page: 'Window', worker: 'DedicatedWorkerGlobalScope', serviceworker: 'ServiceWorkerGlobalScope' }

function browserTarget(id: string, kind: string, scope: BrowserScope, shim: () => ShimEnvironment): Target {
  let browserVersion: string | undefined
  return {
    id,
    runner: 'vitest API shim',
    probe: async () => {
      try {
        const browser = await launchChromium()
        browserVersion = browser.version()
        await browser.close()
        return `Chromium ${browserVersion} (${kind})`
      } catch (error) {
        log(`  could not launch Chromium: ${error instanceof Error ? error.message : String(error)}`)
        return undefined
      }
    },
    run: async () => {
      const counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] }
      // A page prints nothing to keep: the log holds each file's result as the page reported it.
      const logLines: string[] = []
      const scripts = await serveScripts()
      const browser = await launchChromium()
      try {
        for (const file of portableFiles()) {
          const [result, seconds] = await timed(async (): Promise<FileResult> => {
            let script: string
            try {
              script = await bundleTestFile(file, 'browser')
            } catch (error) {
              return { file, tests: [], errors: [`could not bundle: ${error instanceof Error ? error.message : String(error)}`] }
            }
            if (file !== WPT_SUITE) {
              const page = scripts.pageFor(file.replace(/[^\w.-]+/g, '_'), script)
              return runPage(browser, file, page, shim().config, scope, FILE_TIMEOUT_MS)
            }
            // The WPT cases run on the fixture origin, with the browser's expectations.
            const fixtures = await startFixtureServer({ runnerScript: script })
            try {
              const base = shim().config
              const config: ShimConfig = {
                ...base,
                provided: { ...base.provided, wptBase: fixtures.base, wptRemote: fixtures.remote, wptTarget: 'chromium' },
                // Five cases side by side, each with up to two connections to the fixture origin,
                // go past Chromium's six HTTP/1.1 connections per host; about one run in two then
                // had a queued request end in "Failed to fetch" or a body cut with "network error",
                // while the server saw it answered in full. Three at a time: none in 12 runs.
                maxConcurrency: Math.min(base.maxConcurrency, 3),
              }
              return await runPage(browser, file, `${fixtures.base}/eventsource/runner.html`, config, scope, FILE_TIMEOUT_MS)
            } finally {
              await fixtures.close()
            }
          })
          // A worker that failed to start would leave the page to run nothing; one that ran the
          // file anywhere else than asked would pass for the wrong scope.
          if (result.tests.length > 0 && result.realm !== REALM[scope]) result.errors.push(`ran in ${result.realm ?? 'an unknown realm'}, not in ${REALM[scope]}`)
          logLines.push(`==== ${file}\n${JSON.stringify(result, null, 1)}`)
          const judged = withKnownFailures(result, knownFailures[id] ?? {})
          countFile(judged, counts)
          log(fileLine(judged, seconds))
        }
      } finally {
        writeFileSync(join(REPORTS, 'runtimes', `${id}.log`), logLines.join('\n'))
        await browser.close()
        await scripts.close()
      }
      return counts
    },
  }
}

// ---- main ---------------------------------------------------------------------------------

const started = performance.now()
mkdirSync(join(REPORTS, 'runtimes'), { recursive: true })
mkdirSync(join(WORK, 'bundles'), { recursive: true })

let shim: ShimEnvironment | undefined
/** Test file → bundle path, or why it could not be bundled (Deno and Bun; workerd). */
const processBundles = new Map<string, string | { error: string }>()
const workerdBundles = new Map<string, string | { error: string }>()
const needShim = (): ShimEnvironment => {
  if (shim === undefined) throw new Error('shim environment not started')
  return shim
}

const targets: Target[] = [
  vitestTarget('node24', 'Node', NODE.node24, { once: true, transport: 'node' }),
  vitestTarget('node24-fetch', 'Node', NODE.node24, { once: false, transport: 'fetch' }),
  vitestTarget('node22', 'Node', NODE.node22, { once: false, transport: 'node' }),
  vitestTarget('node26', 'Node', NODE.node26, { once: false, transport: 'node' }),
  processTarget(
    'deno',
    async () => (await versionOf(bin('deno')))?.replace(/^deno /, 'Deno ').replace(/ \(.*$/, ''),
    () => [bin('deno'), 'run', '--allow-net=127.0.0.1', '--allow-env', '--no-config', '--no-lock'],
    () => processBundles,
  ),
  processTarget('bun', async () => {
    const version = await versionOf(bin('bun'))
    return version === undefined ? undefined : `Bun ${version}`
  }, () => [bin('bun')], () => processBundles),
  workerdTarget(() => workerdBundles),
  browserTarget('chromium', 'page', 'page', needShim),
  browserTarget('worker', 'dedicated Web Worker', 'worker', needShim),
  browserTarget('serviceworker', 'service worker', 'serviceworker', needShim),
  {
    id: 'package',
    runner: 'npm pack + smoke tests',
    probe: async () => 'npm package (all runtimes)',
    run: async () => {
      const counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] }
      const result = await runPackageChecks({ log })
      countFile(result, counts)
      return counts
    },
  },
]

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const selected = wanted.length === 0 ? targets : targets.filter((t) => wanted.includes(t.id))
const reports: RuntimeReport[] = []
try {
  if (selected.some((t) => t.runner === 'vitest API shim')) {
    shim = await startShimEnvironment()
    const bundleAll = async (flavour: 'process' | 'workerd', into: Map<string, string | { error: string }>, config: ShimConfig): Promise<void> => {
      for (const file of portableFiles()) {
        const path = join(WORK, 'bundles', `${file.replace(/[^\w.-]+/g, '_')}.${flavour}.mjs`)
        try {
          writeFileSync(path, await bundleTestFile(file, flavour, config))
          into.set(file, path)
        } catch (error) {
          into.set(file, { error: `could not bundle: ${error instanceof Error ? error.message : String(error)}` })
        }
      }
    }
    if (selected.some((t) => t.id === 'deno' || t.id === 'bun')) await bundleAll('process', processBundles, shim.config)
    if (selected.some((t) => t.id === 'workerd')) await bundleAll('workerd', workerdBundles, shim.config)
  }
  for (const target of selected) {
    log(`\n▶ ${target.id}`)
    const [label, probeSeconds] = await timed(() => target.probe())
    if (label === undefined) {
      log('  could not start')
      reports.push({ id: target.id, label: target.id, runner: target.runner, started: false, passed: 0, failed: 1, skipped: 0, seconds: probeSeconds, failures: [{ name: target.id, error: 'the runtime could not be started' }] })
      continue
    }
    log(`  ${label} — ${target.runner}`)
    const [counts, seconds] = await timed(() =>
      target.run().catch((error: unknown): Counts => {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
        return { passed: 0, failed: 1, skipped: 0, failures: [{ name: `${target.id} runner`, error: message }] }
      }),
    )
    printSkips(counts.skips ?? [])
    printFailures(counts.failures)
    reports.push({ id: target.id, label, runner: target.runner, started: true, ...counts, seconds: seconds + probeSeconds })
  }
} finally {
  await shim?.teardown()
}

const report: RunReport = { date: new Date().toISOString(), seconds: (performance.now() - started) / 1000, runtimes: reports }
// Only a full run may stand for the project (readme.ts reads runtimes.json); a partial one is kept apart.
const reportName = selected.length === targets.length && fileFilter === undefined ? 'runtimes.json' : 'runtimes.partial.json'
writeFileSync(join(REPORTS, reportName), `${JSON.stringify(report, null, 2)}\n`)
log(`\n${summaryTable(reports)}\n`)
log(`wrote reports/${reportName}; ${report.seconds.toFixed(0)} s in all`)
log(closingLine(reports))
process.exitCode = reports.every((r) => r.started && r.failed === 0) ? 0 : 1
