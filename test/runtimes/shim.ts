// The vitest API for runtimes vitest itself does not run on (Deno, Bun, workerd, a Chromium page,
// a dedicated Web Worker, a service worker). `bundle.ts` bundles each test file with `vitest`
// resolved to this module, so the test files stay exactly as vitest runs them on Node.
//
// `expect` and `vi` are vitest's own (bundled from its dist, they need no runner); this module
// only adds what needs a runner: collecting describe/it/hooks, running them in order with
// timeouts, `inject`, and one machine-readable result per file. Semantics follow vitest's
// defaults: tests in a file run in order, `*.concurrent` ones up to `maxConcurrency` at a time,
// beforeEach parent-first, afterEach and afterAll in reverse order ("stack").

import { expect, vi } from 'vitest'

export { expect, vi }

/** What the orchestrator hands every bundle: the `provide`d values of the vitest globalSetup
 *  files, plus the runner settings read from vitest.config.ts. */
export interface ShimConfig {
  provided: Record<string, unknown>
  testTimeout: number
  hookTimeout: number
  maxConcurrency: number
}

export type Status = 'pass' | 'fail' | 'skip'

export interface TestResult {
  /** `describe > … > it`, as vitest names it. */
  name: string
  status: Status
  ms: number
  /** Failure message, with expected/actual when the assertion carries them. */
  error?: string
  /** Why a test skipped itself (`context.skip(note)` / `context.skip(condition, note)`). */
  note?: string
}

export interface FileResult {
  file: string
  tests: TestResult[]
  /** Errors outside any test (the file failed to load, a hook, an unhandled rejection). */
  errors: string[]
  /** The global object's class where the file ran (`Window`, `ServiceWorkerGlobalScope`, …), so
   *  the orchestrator can check a worker target really ran in that kind of worker. */
  realm?: string
}

/** The line a process runtime prints its FileResult on. */
export const RESULT_PREFIX = '@@runtimes-result '

declare global {
  // Set by the bundle's banner (process runtimes) or the browser bootstrap.
  var __runtimesShim: ShimConfig | undefined
}

type Hook = (...args: never[]) => unknown
type TestFn = (context: TestContext) => unknown
type Mode = 'run' | 'skip' | 'only' | 'todo'

interface TestOptions {
  timeout?: number
  skip?: boolean
  only?: boolean
  todo?: boolean
  concurrent?: boolean
  sequential?: boolean
}

interface TestNode {
  kind: 'test'
  name: string
  fn: TestFn | undefined
  mode: Mode
  concurrent: boolean
  timeout: number | undefined
}

interface SuiteNode {
  kind: 'suite'
  name: string
  mode: Mode
  concurrent: boolean
  children: Array<TestNode | SuiteNode>
  beforeAll: Hook[]
  afterAll: Hook[]
  beforeEach: Hook[]
  afterEach: Hook[]
}

export interface TestContext {
  task: { name: string }
  signal: AbortSignal
  skip(condition?: boolean | string, note?: string): void
  onTestFinished(fn: () => unknown): void
  onTestFailed(fn: () => unknown): void
  expect: typeof expect
}

class SkipSignal extends Error {
  override readonly name = 'SkipSignal'
  /** The reason given to `context.skip`, if any. */
  note: string | undefined
}

const newSuite = (name: string, mode: Mode, concurrent: boolean): SuiteNode => ({
  kind: 'suite',
  name,
  mode,
  concurrent,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
})

const root = newSuite('', 'run', false)
let current = root
const collecting: Promise<unknown>[] = []

function config(): ShimConfig {
  const c = globalThis.__runtimesShim
  if (c === undefined) throw new Error('vitest shim: no configuration (globalThis.__runtimesShim) was provided')
  return c
}

// ---- collection ---------------------------------------------------------------------------

function parseArgs(a: unknown, b: unknown): { fn: ((...args: never[]) => unknown) | undefined; options: TestOptions } {
  if (typeof a === 'function') return { fn: a as never, options: typeof b === 'number' ? { timeout: b } : ((b as TestOptions) ?? {}) }
  if (typeof a === 'object' && a !== null) return { fn: b as never, options: a as TestOptions }
  return { fn: undefined, options: typeof b === 'number' ? { timeout: b } : {} }
}

function modeOf(base: Mode, options: TestOptions): Mode {
  if (options.todo) return 'todo'
  if (options.skip) return 'skip'
  if (options.only) return 'only'
  return base
}

function addTest(mode: Mode, concurrent: boolean, name: string, a?: unknown, b?: unknown): void {
  const { fn, options } = parseArgs(a, b)
  current.children.push({
    kind: 'test',
    name: String(name),
    fn: fn as TestFn | undefined,
    mode: fn === undefined ? 'todo' : modeOf(mode, options),
    concurrent: options.sequential ? false : concurrent || options.concurrent === true || current.concurrent,
    timeout: options.timeout,
  })
}

function addSuite(mode: Mode, concurrent: boolean, name: string, a?: unknown, b?: unknown): void {
  const { fn, options } = parseArgs(a, b)
  const suite = newSuite(String(name), modeOf(mode, options), options.sequential ? false : concurrent || options.concurrent === true || current.concurrent)
  current.children.push(suite)
  if (fn === undefined) return
  const parent = current
  current = suite
  try {
    const pending = (fn as () => unknown)()
    if (pending instanceof Promise) collecting.push(pending)
  } finally {
    current = parent
  }
}

/** `%s %d %i %f %j %o %O %# %%` and `$name`/`$a.b` as vitest formats `each` titles. */
function formatTitle(template: string, row: unknown, index: number): string {
  const args = Array.isArray(row) ? [...row] : [row]
  let title = template.replace(/%[sdifjoO#%]/g, (token) => {
    if (token === '%%') return '%'
    if (token === '%#') return String(index)
    const value = args.shift()
    if (token === '%d' || token === '%i') return String(token === '%i' ? Math.trunc(Number(value)) : Number(value))
    if (token === '%f') return String(Number(value))
    if (token === '%s') return typeof value === 'string' ? value : stringify(value)
    return stringify(value)
  })
  if (typeof row === 'object' && row !== null && !Array.isArray(row)) {
    title = title.replace(/\$([\w.]+)/g, (whole, path: string) => {
      let value: unknown = row
      for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key]
      return value === undefined ? whole : typeof value === 'string' ? value : stringify(value)
    })
  }
  return title
}

type Register = (name: string, a?: unknown, b?: unknown) => void

function each(register: Register, spread: boolean) {
  return (table: readonly unknown[]) =>
    (template: string, fn: (...args: unknown[]) => unknown, options?: unknown) => {
      table.forEach((row, index) => {
        const args = spread && Array.isArray(row) ? row : [row]
        register(formatTitle(template, row, index), (...rest: unknown[]) => fn(...args, ...rest), options)
      })
    }
}

function api(register: (mode: Mode, concurrent: boolean) => Register, spreadEach: boolean) {
  const base = register('run', false)
  return Object.assign((name: string, a?: unknown, b?: unknown) => base(name, a, b), {
    skip: register('skip', false),
    only: register('only', false),
    todo: (name: string) => register('todo', false)(name),
    concurrent: Object.assign(register('run', true), { skip: register('skip', true), only: register('only', true) }),
    sequential: base,
    skipIf: (condition: unknown) => register(condition ? 'skip' : 'run', false),
    runIf: (condition: unknown) => register(condition ? 'run' : 'skip', false),
    each: each(base, spreadEach),
    for: each(base, false),
  })
}

export const it = api((mode, concurrent) => (name, a, b) => addTest(mode, concurrent, name, a, b), true)
export const test = it
export const describe = api((mode, concurrent) => (name, a, b) => addSuite(mode, concurrent, name, a, b), true)
export const suite = describe

export const beforeAll = (fn: Hook): void => void current.beforeAll.push(fn)
export const afterAll = (fn: Hook): void => void current.afterAll.push(fn)
export const beforeEach = (fn: Hook): void => void current.beforeEach.push(fn)
export const afterEach = (fn: Hook): void => void current.afterEach.push(fn)

/** vitest's `inject`: a value `provide`d by a globalSetup file, handed over by the orchestrator. */
export function inject(key: string): unknown {
  const provided = config().provided
  if (!(key in provided)) throw new Error(`inject('${key}'): nothing was provided under that key`)
  return provided[key]
}

let finishedCallbacks: Array<() => unknown> | undefined
let failedCallbacks: Array<() => unknown> | undefined

export function onTestFinished(fn: () => unknown): void {
  if (finishedCallbacks === undefined) throw new Error('onTestFinished() called outside a test')
  finishedCallbacks.push(fn)
}

export function onTestFailed(fn: () => unknown): void {
  if (failedCallbacks === undefined) throw new Error('onTestFailed() called outside a test')
  failedCallbacks.push(fn)
}

// ---- running ------------------------------------------------------------------------------

function stringify(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return `[Function ${value.name}]`
  try {
    const seen = new WeakSet<object>()
    const text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`
      if (v instanceof Uint8Array) return `Uint8Array[${[...v].join(',')}]`
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]'
        seen.add(v)
      }
      return v
    })
    return text ?? String(value)
  } catch {
    return String(value)
  }
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `thrown: ${stringify(error)}`
  let text = `${error.name}: ${error.message}`
  const assertion = error as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean }
  if ('expected' in assertion && 'actual' in assertion && assertion.showDiff !== false) {
    text += `\n    expected: ${stringify(assertion.expected)}\n    actual:   ${stringify(assertion.actual)}`
  }
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line) && !/shim\.ts|vitest\/dist|node:internal/.test(line))
    .slice(0, 3)
  if (frames.length > 0) text += `\n${frames.join('\n')}`
  return text
}

/** Runs `fn` with a time limit; the promise it left running goes on, as in vitest. */
async function withTimeout(fn: () => unknown, ms: number, what: string, controller?: AbortController): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller?.abort(new Error(`${what} timed out`))
          reject(new Error(`${what} timed out in ${ms}ms.`))
        }, ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

function hasOnly(node: TestNode | SuiteNode): boolean {
  return node.mode === 'only' || (node.kind === 'suite' && node.children.some(hasOnly))
}

interface Scope {
  names: string[]
  beforeEach: Hook[][]
  afterEach: Hook[][]
  skipped: boolean
}

class Runner {
  readonly results: TestResult[] = []
  readonly errors: string[] = []
  readonly #onlyMode: boolean
  readonly #config = config()

  constructor() {
    this.#onlyMode = hasOnly(root)
  }

  #selected(node: TestNode | SuiteNode, insideOnly: boolean): boolean {
    if (!this.#onlyMode || insideOnly) return true
    return hasOnly(node)
  }

  async runSuite(suite: SuiteNode, scope: Scope, insideOnly: boolean): Promise<void> {
    const inner: Scope = {
      names: suite === root ? [] : [...scope.names, suite.name],
      beforeEach: [...scope.beforeEach, suite.beforeEach],
      afterEach: [suite.afterEach, ...scope.afterEach],
      skipped: scope.skipped || suite.mode === 'skip' || suite.mode === 'todo',
    }
    const only = insideOnly || suite.mode === 'only'
    const runnable = (node: TestNode | SuiteNode): boolean => this.#selected(node, only)
    const anyToRun = (node: TestNode | SuiteNode): boolean =>
      node.kind === 'test' ? node.mode !== 'skip' && node.mode !== 'todo' && runnable(node) : node.mode !== 'skip' && node.mode !== 'todo' && node.children.some(anyToRun)
    const live = !inner.skipped && suite.children.some(anyToRun)

    let setupError: string | undefined
    const teardowns: Array<() => unknown> = []
    if (live) {
      for (const hook of suite.beforeAll) {
        try {
          let teardown: unknown
          await withTimeout(async () => {
            teardown = await (hook as () => unknown)()
          }, this.#config.hookTimeout, 'beforeAll hook')
          if (typeof teardown === 'function') teardowns.unshift(teardown as () => unknown)
        } catch (error) {
          setupError = `beforeAll: ${describeError(error)}`
          break
        }
      }
    }

    const children = suite.children
    for (let i = 0; i < children.length; ) {
      const child = children[i] as TestNode | SuiteNode
      if (child.kind === 'test' && child.concurrent) {
        const batch: TestNode[] = []
        while (i < children.length && (children[i] as TestNode | SuiteNode).kind === 'test' && (children[i] as TestNode).concurrent) {
          batch.push(children[i] as TestNode)
          i++
        }
        await this.#pool(batch, (t) => this.runTest(t, inner, only, setupError))
        continue
      }
      if (child.kind === 'test') await this.runTest(child, inner, only, setupError)
      else if (setupError !== undefined) this.#failAll(child, inner.names, setupError)
      else await this.runSuite(child, inner, only)
      i++
    }

    if (live) {
      for (const hook of [...teardowns, ...[...suite.afterAll].reverse()]) {
        try {
          await withTimeout(() => (hook as () => unknown)(), this.#config.hookTimeout, 'afterAll hook')
        } catch (error) {
          this.errors.push(`afterAll in "${inner.names.join(' > ') || '(file)'}": ${describeError(error)}`)
        }
      }
    }
  }

  async #pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0
    const lanes = Math.max(1, Math.min(this.#config.maxConcurrency, items.length))
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < items.length) await work(items[next++] as T)
      }),
    )
  }

  #failAll(node: TestNode | SuiteNode, names: string[], error: string): void {
    if (node.kind === 'test') this.results.push({ name: [...names, node.name].join(' > '), status: 'fail', ms: 0, error })
    else for (const child of node.children) this.#failAll(child, [...names, node.name], error)
  }

  async runTest(node: TestNode, scope: Scope, insideOnly: boolean, setupError: string | undefined): Promise<void> {
    const name = [...scope.names, node.name].join(' > ')
    if (scope.skipped || node.mode === 'skip' || node.mode === 'todo' || !this.#selected(node, insideOnly) || node.fn === undefined) {
      this.results.push({ name, status: 'skip', ms: 0 })
      return
    }
    if (setupError !== undefined) {
      this.results.push({ name, status: 'fail', ms: 0, error: setupError })
      return
    }
    const started = performance.now()
    const controller = new AbortController()
    const finished: Array<() => unknown> = []
    const failed: Array<() => unknown> = []
    const context: TestContext = {
      task: { name: node.name },
      signal: controller.signal,
      skip(condition?: boolean | string, note?: string) {
        if (condition === false) return
        const reason = typeof condition === 'string' ? condition : note
        throw Object.assign(new SkipSignal(reason ?? 'skipped'), { note: reason })
      },
      onTestFinished: (fn) => void finished.push(fn),
      onTestFailed: (fn) => void failed.push(fn),
      expect,
    }
    const errors: unknown[] = []
    let skipped = false
    let note: string | undefined
    const cleanups: Array<() => unknown> = []
    const timeout = node.timeout ?? this.#config.testTimeout
    try {
      for (const hook of scope.beforeEach.flat()) {
        let cleanup: unknown
        await withTimeout(async () => {
          cleanup = await (hook as (c: TestContext) => unknown)(context)
        }, this.#config.hookTimeout, 'beforeEach hook')
        if (typeof cleanup === 'function') cleanups.unshift(cleanup as () => unknown)
      }
      // Concurrent tests share these module-level slots only for the synchronous start of `fn`,
      // where vitest's own onTestFinished() is also meant to be called.
      finishedCallbacks = finished
      failedCallbacks = failed
      const run = Promise.resolve().then(() => (node.fn as TestFn)(context))
      finishedCallbacks = undefined
      failedCallbacks = undefined
      await withTimeout(() => run, timeout, 'Test', controller)
    } catch (error) {
      if (error instanceof SkipSignal) {
        skipped = true
        note = error.note
      }
      else errors.push(error)
    }
    // As vitest: afterEach hooks child first, then what beforeEach hooks returned.
    const after = [...scope.afterEach.flatMap((hooks) => [...hooks].reverse()), ...cleanups]
    for (const hook of after) {
      try {
        await withTimeout(() => (hook as (c: TestContext) => unknown)(context), this.#config.hookTimeout, 'afterEach hook')
      } catch (error) {
        errors.push(error)
      }
    }
    for (const fn of [...(errors.length > 0 ? failed : []), ...finished]) {
      try {
        await fn()
      } catch (error) {
        errors.push(error)
      }
    }
    const ms = Math.round(performance.now() - started)
    if (errors.length > 0) this.results.push({ name, status: 'fail', ms, error: errors.map(describeError).join('\n  and: ') })
    else this.results.push({ name, status: skipped ? 'skip' : 'pass', ms, ...(skipped && note !== undefined ? { note } : {}) })
  }
}

/** Loads one test file (a dynamic import, so a file that throws while loading is reported,
 *  not fatal), runs what it registered and resolves with the results. */
export async function runFile(file: string, load: () => Promise<unknown>): Promise<FileResult> {
  const unhandled: string[] = []
  const stopWatching = watchUnhandled((error) => unhandled.push(`unhandled: ${describeError(error)}`))
  const result: FileResult = { file, tests: [], errors: [], realm: Object.getPrototypeOf(globalThis)?.constructor?.name }
  try {
    await load()
    await Promise.all(collecting)
    const runner = new Runner()
    await runner.runSuite(root, { names: [], beforeEach: [], afterEach: [], skipped: false }, false)
    result.tests = runner.results
    result.errors.push(...runner.errors)
  } catch (error) {
    result.errors.push(`failed to load: ${describeError(error)}`)
  }
  // Let a rejection from the last test's leftovers surface before reporting.
  await new Promise((resolve) => setTimeout(resolve, 50))
  stopWatching()
  result.errors.push(...unhandled)
  return result
}

/** Unhandled rejections and errors fail the file, as they fail a vitest run. */
function watchUnhandled(report: (error: unknown) => void): () => void {
  const target = globalThis as unknown as {
    addEventListener?: (type: string, fn: (event: Event) => void) => void
    removeEventListener?: (type: string, fn: (event: Event) => void) => void
  }
  const proc = (globalThis as { process?: { on?: unknown; off?: unknown } }).process
  const isNodeLike = typeof proc?.on === 'function' && typeof target.addEventListener !== 'function'
  if (isNodeLike) {
    const p = proc as { on(e: string, f: (e: unknown) => void): void; off(e: string, f: (e: unknown) => void): void }
    p.on('unhandledRejection', report)
    p.on('uncaughtException', report)
    return () => {
      p.off('unhandledRejection', report)
      p.off('uncaughtException', report)
    }
  }
  const onRejection = (event: Event): void => {
    event.preventDefault()
    report((event as PromiseRejectionEvent).reason)
  }
  const onError = (event: Event): void => {
    event.preventDefault()
    report((event as ErrorEvent).error ?? (event as ErrorEvent).message)
  }
  target.addEventListener?.('unhandledrejection', onRejection)
  target.addEventListener?.('error', onError)
  return () => {
    target.removeEventListener?.('unhandledrejection', onRejection)
    target.removeEventListener?.('error', onError)
  }
}

// ---- reporting, per kind of runtime --------------------------------------------------------

/** Node, Deno, Bun: print the result as one line and exit, whatever sockets are still open. */
export async function reportAndExit(result: FileResult): Promise<void> {
  const line = `${RESULT_PREFIX}${JSON.stringify(result)}\n`
  const deno = (globalThis as { Deno?: { stdout: { writeSync(b: Uint8Array): number }; exit(code: number): never } }).Deno
  if (deno !== undefined) {
    const bytes = new TextEncoder().encode(line)
    for (let written = 0; written < bytes.length; ) written += deno.stdout.writeSync(bytes.subarray(written))
    deno.exit(0)
  }
  const proc = (globalThis as unknown as { process: { stdout: { write(s: string, cb: () => void): void }; exit(code: number): never } }).process
  await new Promise<void>((resolve) => proc.stdout.write(line, resolve))
  proc.exit(0)
}

declare global {
  interface Window {
    /** The file's result, for the orchestrator's `page.evaluate`. */
    __runtimesDone?: Promise<FileResult>
  }
}

/** workerd: the Worker's `fetch()` loads this module, runs the file and answers with its result as
 *  JSON. workerd allows no I/O or timers at a module's top level, only inside a request. */
export async function workerResponse(file: string, load: () => Promise<unknown>): Promise<Response> {
  return new Response(JSON.stringify(await runFile(file, load)), { headers: { 'Content-Type': 'application/json' } })
}

/** What a worker's `message` event offers: a service worker answers through `source` and is
 *  kept alive by `waitUntil`; a dedicated worker answers with its global `postMessage`. */
interface WorkerMessageEvent extends MessageEvent {
  waitUntil?(promise: Promise<unknown>): void
}

/** A Chromium page runs the file itself; with `?worker` in its URL it runs it in a dedicated
 *  worker made from this same script, with `?serviceworker` in a service worker registered from
 *  it; either way it hands the worker the configuration in the first message. */
export function runInBrowser(file: string, load: () => Promise<unknown>): void {
  const scope = globalThis as unknown as {
    document?: Document
    postMessage?(message: unknown): void
    addEventListener(type: 'message', fn: (event: WorkerMessageEvent) => void, options?: { once: boolean }): void
  }
  if (scope.document === undefined) {
    // A service worker must add its message listener while its script first runs.
    scope.addEventListener(
      'message',
      (event) => {
        globalThis.__runtimesShim = event.data as ShimConfig
        const done = runFile(file, load).then((result) => {
          const reply = event.source ?? scope
          ;(reply as { postMessage(message: unknown): void }).postMessage(result)
        })
        // Without it Chromium may stop an idle service worker mid-file (30 s without an event).
        event.waitUntil?.(done)
      },
      { once: true },
    )
    return
  }
  const params = new URLSearchParams(location.search)
  const script = (document.currentScript as HTMLScriptElement).src
  const fail = (error: string): FileResult => ({ file, tests: [], errors: [error] })
  if (params.has('serviceworker')) {
    window.__runtimesDone = (async () => {
      try {
        const registration = await navigator.serviceWorker.register(script)
        const worker = registration.installing ?? registration.waiting ?? registration.active
        if (worker === null) return fail('service worker: the registration has no worker')
        if (worker.state !== 'activated') {
          await new Promise<void>((resolve, reject) =>
            worker.addEventListener('statechange', () => {
              if (worker.state === 'activated') resolve()
              if (worker.state === 'redundant') reject(new Error('the service worker became redundant (its script threw?)'))
            }),
          )
        }
        return await new Promise<FileResult>((resolve) => {
          navigator.serviceWorker.addEventListener('message', (event: MessageEvent<FileResult>) => resolve(event.data), { once: true })
          worker.postMessage(config())
        })
      } catch (error) {
        return fail(`service worker: ${error instanceof Error ? error.message : String(error)}`)
      }
    })()
    return
  }
  if (!params.has('worker')) {
    window.__runtimesDone = runFile(file, load)
    return
  }
  window.__runtimesDone = new Promise<FileResult>((resolve) => {
    const worker = new Worker(script)
    worker.addEventListener('message', (event: MessageEvent<FileResult>) => resolve(event.data))
    worker.addEventListener('error', (event) => resolve(fail(`worker error: ${event.message}`)))
    worker.postMessage(config())
  })
}
