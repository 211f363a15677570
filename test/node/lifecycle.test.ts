// NODE-ONLY (spawns child processes; not part of the cross-runtime suite).
//
// Issue 4, process lifetime in Node: an open or reconnecting EventSource keeps
// the process alive (peers unref their reconnect timer, so a script exits
// mid-reconnect — PEERS.md "Other notable behaviour"), and `close()` — or
// failing for good, or ending a `fetchEvents` loop — releases every socket and
// timer, so the process exits at once.
//
// Each case runs a small ES module in a fresh `node` process against the test
// server, importing the library as built by `tsc -p tsconfig.build.json` into
// a private directory (so a concurrent `npm run build` elsewhere cannot race
// it). It runs under the Node running vitest and under every other Node ≥ 22
// found on PATH or in /usr/local/bin (the majors the package supports; Node 20 is not one).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { accessSync, constants, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { attempts, delay, scriptUrl, uniqueKey, type Script } from '../support/script.js'

const origin = inject('sseOrigin')

const ROOT = resolve(import.meta.dirname, '..', '..')
// Under the repo, so the built files resolve `eventsource-parser` from its node_modules.
const BUILD_DIR = join(ROOT, '.tmp', `lifecycle-${process.pid}-${Math.random().toString(36).slice(2, 8)}`)
// What `import 'eventsource-kit'` gives on Node (its `node` condition: the Node transport), or
// with TEST_TRANSPORT=fetch the entry that uses fetch (test/support/transport-setup.ts).
const ENTRY_FILE = process.env.TEST_TRANSPORT === 'fetch' ? 'index.js' : 'index.node.js'
const DIST_ENTRY = join(BUILD_DIR, 'dist', ENTRY_FILE)
// The same build without the lazily imported sharing module: a chunk that cannot load.
const NO_CHUNK_ENTRY = join(BUILD_DIR, 'dist-no-chunk', ENTRY_FILE)
const CHILD_SCRIPT = join(BUILD_DIR, 'child.mjs')

/** How soon after `close()` (or the final error) the process must be gone. */
const EXIT_WITHIN_MS = 1000

// The child: `node child.mjs <dist url> <scenario> <url>`. It prints one line
// per thing the parent waits for; `closed` marks the moment everything should
// have been released.
const CHILD_SOURCE = `
const [distUrl, scenario, url] = process.argv.slice(2)
const { EventSource, fetchEvents } = await import(distUrl)
const { EventSource: LiteEventSource } = await import(distUrl.replace(/index(\.node)?\.js$/, 'lite.js'))
const say = (line) => process.stdout.write(line + '\\n')
switch (scenario) {
  case 'stay-open': {
    const es = new EventSource(url)
    es.onopen = () => say('open')
    break
  }
  case 'reconnect-forever': {
    const es = new EventSource(url, { retry: { delay: 400 } })
    es.onopen = () => say('open')
    es.onerror = () => say('error ' + es.readyState)
    break
  }
  case 'close-when-open': {
    const es = new EventSource(url)
    es.onmessage = () => { es.close(); say('closed') }
    break
  }
  case 'close-with-watchdog': {
    const es = new EventSource(url, { inactivityTimeout: 20000 })
    es.onmessage = () => { es.close(); say('closed') }
    break
  }
  case 'close-while-waiting': {
    const es = new EventSource(url, { retry: { delay: 30000 } })
    es.onerror = () => { if (es.readyState === 0) { es.close(); say('closed') } }
    break
  }
  case 'close-while-connecting': {
    const es = new EventSource(url, { inactivityTimeout: 20000 })
    setTimeout(() => { es.close(); say('closed') }, 300)
    break
  }
  case 'abort-signal': {
    const controller = new AbortController()
    const es = new EventSource(url, { signal: controller.signal })
    es.onmessage = () => { controller.abort(); say('closed') }
    break
  }
  case 'fails-for-good': {
    const es = new EventSource(url, { retry: { delay: 50 } })
    es.onerror = () => { if (es.readyState === 2) say('closed') }
    break
  }
  case 'fetch-events-break': {
    for await (const event of fetchEvents(url, { inactivityTimeout: 20000 })) {
      if (event.data === 'a') break
    }
    say('closed')
    break
  }
  case 'from-stream-close': {
    const response = await fetch(url)
    const es = EventSource.fromReadableStream(response.body)
    es.onmessage = () => { es.close(); say('closed') }
    break
  }
  // share: the sharing module (Web Locks and BroadcastChannel, Node 24.5+)
  // is loaded by import(); its lock and channel must not outlive close().
  case 'share-close-when-open': {
    const es = new EventSource(url, { share: true })
    es.onmessage = () => { es.close(); say('closed') }
    break
  }
  case 'share-close-at-once': {
    new EventSource(url, { share: true }).close()
    say('closed')
    break
  }
  // Run against a build without dist/shared-connection.js: the import fails
  // and the source connects on its own.
  case 'share-no-chunk': {
    const es = new EventSource(url, { share: true })
    es.onmessage = (event) => { say('message ' + event.data); es.close(); say('closed') }
    break
  }
  // eventsource-kit/lite: no options, so the server's retry: sets the wait.
  case 'lite-stay-open': {
    const es = new LiteEventSource(url)
    es.onopen = () => say('open')
    break
  }
  case 'lite-reconnect-forever': {
    const es = new LiteEventSource(url)
    es.onerror = () => say('error ' + es.readyState)
    break
  }
  case 'lite-close-when-open': {
    const es = new LiteEventSource(url)
    es.onmessage = () => { es.close(); say('closed') }
    break
  }
  case 'lite-close-while-waiting': {
    const es = new LiteEventSource(url)
    es.onerror = () => { if (es.readyState === 0) { es.close(); say('closed') } }
    break
  }
  case 'lite-close-while-connecting': {
    const es = new LiteEventSource(url)
    setTimeout(() => { es.close(); say('closed') }, 300)
    break
  }
  case 'lite-fails-for-good': {
    const es = new LiteEventSource(url)
    es.onerror = () => { if (es.readyState === 2) say('closed') }
    break
  }
  default:
    throw new Error('unknown scenario ' + scenario)
}
`

interface Child {
  process: ChildProcess
  /** stdout lines with the parent's `performance.now()` when each arrived. */
  lines: Array<{ text: string; at: number }>
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  /** Resolves when a line equal to `text` (or starting with it) arrives. */
  line(text: string, timeout?: number): Promise<number>
}

const children = new Set<ChildProcess>()

function runChild(node: string, scenario: string, url: string, entry = DIST_ENTRY): Child {
  const child = spawn(node, [CHILD_SCRIPT, pathToFileURL(entry).href, scenario, url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const lines: Array<{ text: string; at: number }> = []
  const waiters = new Set<() => void>()
  let stderr = ''
  let partial = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    partial += chunk
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    for (const text of parts) lines.push({ text, at: performance.now() })
    for (const wake of [...waiters]) wake()
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolveExit) => {
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolveExit({ code, signal, at: performance.now() })
      for (const wake of [...waiters]) wake()
    })
  })
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    line: (text, timeout = 5000) =>
      new Promise((resolveLine, reject) => {
        const check = (): void => {
          const found = lines.find((l) => l.text === text || l.text.startsWith(`${text} `))
          if (found !== undefined) {
            waiters.delete(check)
            clearTimeout(timer)
            resolveLine(found.at)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check)
            clearTimeout(timer)
            reject(new Error(`child exited before "${text}"; stdout ${JSON.stringify(lines)}; stderr ${stderr}`))
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no "${text}" from the child within ${timeout} ms; stdout ${JSON.stringify(lines)}; stderr ${stderr}`))
        }, timeout)
        waiters.add(check)
        check()
      }),
  }
}

/** Resolves with the exit, or with `undefined` if the child is still running after `ms`. */
async function exitWithin(child: Child, ms: number): Promise<{ code: number | null; at: number } | undefined> {
  return Promise.race([child.exited, delay(ms).then(() => undefined)])
}

/** Every distinct Node ≥ 22 available: the one running vitest first. */
function nodeBinaries(): Array<{ path: string; version: string }> {
  const candidates = [process.execPath]
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir !== '') candidates.push(join(dir, 'node'))
  candidates.push('/usr/local/bin/node', '/usr/bin/node')
  const found = new Map<string, string>()
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
    } catch {
      continue
    }
    const result = spawnSync(path, ['--version'], { encoding: 'utf8' })
    const version = result.stdout.trim()
    const major = Number(/^v(\d+)/.exec(version)?.[1] ?? '0')
    if (major >= 22 && !found.has(version)) found.set(version, path)
  }
  return [...found].map(([version, path]) => ({ path, version }))
}

const NODES = nodeBinaries()

beforeAll(() => {
  mkdirSync(BUILD_DIR, { recursive: true })
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const build = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(BUILD_DIR, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`)
  cpSync(join(BUILD_DIR, 'dist'), join(BUILD_DIR, 'dist-no-chunk'), { recursive: true })
  rmSync(join(BUILD_DIR, 'dist-no-chunk', 'shared-connection.js'))
  writeFileSync(CHILD_SCRIPT, CHILD_SOURCE)
})

afterEach(() => {
  // A child that outlived its test (a failure) must not outlive the run.
  for (const child of children) child.kill('SIGKILL')
  children.clear()
})

afterAll(() => {
  rmSync(BUILD_DIR, { recursive: true, force: true })
})

it('finds at least the Node running the tests', () => {
  expect(NODES.length).toBeGreaterThanOrEqual(1)
})

for (const { path: node, version } of NODES) {
  describe(`node ${version} (${node})`, () => {
    describe('stays alive while it has work', () => {
      it('an open, silent stream keeps the process alive', async () => {
        const url = scriptUrl(origin, uniqueKey('life-open'), [{ end: 'hang' }])
        const child = runChild(node, 'stay-open', url)
        await child.line('open')
        expect(await exitWithin(child, 1000)).toBeUndefined()
      })

      it('does not exit while waiting to reconnect (after clean ends and network errors)', async () => {
        const key = uniqueKey('life-reconnect')
        const script: Script = [{ chunks: ['data: a\n\n'] }, { destroyBeforeHeaders: true }, { chunks: ['data: b\n\n'] }]
        const child = runChild(node, 'reconnect-forever', scriptUrl(origin, key, script))
        // Three 400 ms waits survived: the reconnect timer is not unref'd.
        const log = await attempts(origin, key, { min: 4, timeout: 5000 })
        expect(log.length).toBeGreaterThanOrEqual(4)
        expect(child.process.exitCode).toBeNull()
        expect(child.lines.map((l) => l.text).filter((t) => t.startsWith('error'))).toContain('error 0')
      })

      it('eventsource-kit/lite: an open, silent stream keeps the process alive', async () => {
        const url = scriptUrl(origin, uniqueKey('life-lite-open'), [{ end: 'hang' }])
        const child = runChild(node, 'lite-stay-open', url)
        await child.line('open')
        expect(await exitWithin(child, 1000)).toBeUndefined()
      })

      it('eventsource-kit/lite: does not exit while waiting to reconnect', async () => {
        const key = uniqueKey('life-lite-reconnect')
        const script: Script = [{ chunks: ['retry: 400\ndata: a\n\n'] }, { destroyBeforeHeaders: true }, { chunks: ['data: b\n\n'] }]
        const child = runChild(node, 'lite-reconnect-forever', scriptUrl(origin, key, script))
        const log = await attempts(origin, key, { min: 4, timeout: 5000 })
        expect(log.length).toBeGreaterThanOrEqual(4)
        expect(child.process.exitCode).toBeNull()
        expect(child.lines.map((l) => l.text)).toContain('error 0')
      })
    })

    describe('exits at once when everything is released', () => {
      const cases: Array<[string, string, Script]> = [
        ['close() on an open stream', 'close-when-open', [{ chunks: ['data: a\n\n'], end: 'hang' }]],
        [
          'close() with the inactivity watchdog running',
          'close-with-watchdog',
          [{ chunks: ['data: a\n\n'], end: 'hang' }],
        ],
        ['close() while waiting 30 s to reconnect', 'close-while-waiting', [{ chunks: ['data: a\n\n'] }]],
        ['close() while waiting for response headers', 'close-while-connecting', [{ delayHeaders: 10_000 }]],
        ['aborting the signal', 'abort-signal', [{ chunks: ['data: a\n\n'], end: 'hang' }]],
        ['failing for good (a 500)', 'fails-for-good', [{ status: 500 }]],
        ['breaking out of fetchEvents', 'fetch-events-break', [{ chunks: ['data: a\n\n', 'data: b\n\n'], end: 'hang' }]],
        ['close() on fromReadableStream(fetch body)', 'from-stream-close', [{ chunks: ['data: a\n\n'], end: 'hang' }]],
        ['share: close() on an open shared stream', 'share-close-when-open', [{ chunks: ['data: a\n\n'], end: 'hang' }]],
        ['share: close() before the sharing module is loaded', 'share-close-at-once', [{ chunks: ['data: a\n\n'], end: 'hang' }]],
        ['eventsource-kit/lite: close() on an open stream', 'lite-close-when-open', [{ chunks: ['data: a\n\n'], end: 'hang' }]],
        ['eventsource-kit/lite: close() while waiting 30 s to reconnect', 'lite-close-while-waiting', [{ chunks: ['retry: 30000\ndata: a\n\n'] }]],
        ['eventsource-kit/lite: close() while waiting for response headers', 'lite-close-while-connecting', [{ delayHeaders: 10_000 }]],
        ['eventsource-kit/lite: failing for good (a 500)', 'lite-fails-for-good', [{ status: 500 }]],
      ]
      for (const [what, scenario, script] of cases) {
        it(`${what}: exits within ${EXIT_WITHIN_MS} ms`, async () => {
          const child = runChild(node, scenario, scriptUrl(origin, uniqueKey(`life-${scenario}`), script))
          const closedAt = await child.line('closed')
          const exit = await exitWithin(child, EXIT_WITHIN_MS + 4000)
          expect(exit, `still running ${EXIT_WITHIN_MS + 4000} ms after "closed"; stderr: ${child.stderr()}`).toBeDefined()
          expect(exit?.code, child.stderr()).toBe(0)
          const took = (exit?.at ?? Number.POSITIVE_INFINITY) - closedAt
          expect(took, `exited ${Math.round(took)} ms after "closed"`).toBeLessThanOrEqual(EXIT_WITHIN_MS)
        })
      }
    })

    it('share, the sharing module missing from the build (a chunk that cannot load): an ordinary connection, which gets the events', async () => {
      const url = scriptUrl(origin, uniqueKey('life-share-no-chunk'), [{ chunks: ['data: a\n\n'], end: 'hang' }])
      const child = runChild(node, 'share-no-chunk', url, NO_CHUNK_ENTRY)
      await child.line('message a')
      const exit = await exitWithin(child, EXIT_WITHIN_MS + 4000)
      expect(exit?.code, child.stderr()).toBe(0)
    })
  })
}
