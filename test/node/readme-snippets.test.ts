// NODE-ONLY (bundles and runs child processes; not part of the cross-runtime suite).
//
// Issue 8: every ```ts block of README.md is executed. Each one is taken out of
// the README as is, its example origins (https://example.com,
// https://api.example.com) are pointed at a local server that serves plausible
// streams for the paths the README uses, and it is bundled with esbuild —
// `eventsource-kit` being src/index.ts, `eventsource-kit/polyfill`
// src/polyfill.ts and `eventsource-kit/lite` src/lite.ts — then run in a
// child Node process with a time limit. It must exit 0 (no exception, no
// unhandled rejection), and where it logs, it must log what the README says
// it does. The blocks are also type-checked with tsc.
//
// What a snippet takes for granted is provided by a prelude imported before it:
// `getFreshToken()`, a `localStorage`, and `API_KEY` in the environment.
//
// Convention: a snippet that leaves a stream open (and so never ends by itself)
// is marked in README.md by `<!-- snippet: open-ended -->` on the line before
// its block. The harness stops it — `process.exit(0)` in the child, over IPC —
// once the server has sent it an event and 500 ms passed for its handlers to
// run. An unmarked snippet must end by itself within the time limit.

import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build as esbuild, type Plugin } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './private-build.js'

const WORK_DIR = join(ROOT, '.tmp', `readme-${process.pid}-${Math.random().toString(36).slice(2, 8)}`)
/** A snippet still running after this long (unless open-ended and stopped) fails. */
const SNIPPET_LIMIT_MS = 10_000
/** How long an open-ended snippet may run on after its first event, for its handlers. */
const SETTLE_MS = 500

// ---------------------------------------------------------------------------
// The README's snippets

interface Snippet {
  /** The heading the block is under, with a counter when a heading has several. */
  name: string
  code: string
  openEnded: boolean
  /** 1-based line of the opening fence in README.md, for messages. */
  line: number
}

function readmeSnippets(): Snippet[] {
  // README_FILE: try a draft of the README before it replaces the real one.
  const readme = readFileSync(process.env.README_FILE ?? join(ROOT, 'README.md'), 'utf8')
  const lines = readme.split('\n')
  const snippets: Snippet[] = []
  let heading = '(top)'
  const perHeading = new Map<string, number>()
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    const title = /^#{1,6} (.+)$/.exec(line)
    if (title?.[1] !== undefined) heading = title[1].trim()
    if (line.trim() !== '```ts') continue
    const end = lines.findIndex((candidate, at) => at > index && candidate.trim() === '```')
    if (end === -1) throw new Error(`README.md:${index + 1}: unclosed \`\`\`ts block`)
    const count = (perHeading.get(heading) ?? 0) + 1
    perHeading.set(heading, count)
    const marker = /^<!--\s*snippet:\s*(.*?)\s*-->$/.exec((lines[index - 1] ?? '').trim())
    snippets.push({
      name: count === 1 ? heading : `${heading} #${count}`,
      code: lines.slice(index + 1, end).join('\n'),
      openEnded: marker?.[1]?.split(/\s+/).includes('open-ended') ?? false,
      line: index + 1,
    })
    index = end
  }
  return snippets
}

const EXAMPLE_ORIGINS = /https:\/\/(?:api\.)?example\.com/g

// ---------------------------------------------------------------------------
// The server the snippets talk to

interface SeenRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

interface ReadmeServer {
  origin: string
  requests: SeenRequest[]
  /** Resolves when the first SSE event was written to any client. */
  firstEvent: Promise<void>
  close(): Promise<void>
}

interface ServerOptions {
  /** What the second GET /events gets (the first streams two events and ends). Default 204: stop. */
  eventsThen?: 204 | 401
}

const API_KEY = 'test-key'

/**
 * Plausible streams for the README's paths. GET /events: `hello` (id 1), an
 * `update`, end; then a 204 (or a 401 with WWW-Authenticate). POST /events:
 * one event, end. POST /v1/chat/completions: an OpenAI-style answer "Hello,
 * world!" for `Bearer test-key`, 401 otherwise. GET /feed: event id 42, then
 * open. GET /chat: `token` events and `done`, then open.
 */
async function startReadmeServer(options: ServerOptions = {}): Promise<ReadmeServer> {
  const requests: SeenRequest[] = []
  let eventsGets = 0
  let accountGets = 0
  let markFirstEvent: () => void = () => {}
  const firstEvent = new Promise<void>((resolve) => (markFirstEvent = resolve))

  const stream = (response: ServerResponse, events: string[], end: boolean): void => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
    for (const event of events) response.write(event)
    markFirstEvent()
    if (end) response.end()
  }

  const handle = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    requests.push({ method: request.method ?? '', path, headers: request.headers, body })
    const route = `${request.method} ${path}`
    switch (route) {
      case 'GET /events': {
        eventsGets++
        if (eventsGets === 1) {
          stream(response, ['retry: 100\nid: 1\ndata: hello\n\n', 'event: update\nid: 2\ndata: u1\n\n'], true)
        } else if ((options.eventsThen ?? 204) === 204) {
          response.writeHead(204).end()
        } else {
          response.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="example"', 'Content-Type': 'text/plain' }).end('no')
        }
        return
      }
      case 'POST /events':
        stream(response, ['data: from-post\n\n'], true)
        return
      case 'POST /v1/chat/completions': {
        if (request.headers.authorization !== `Bearer ${API_KEY}`) {
          response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid api key"}')
          return
        }
        const chunk = (content: string): string =>
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`
        stream(response, [chunk('Hello'), chunk(', '), chunk('world!'), 'data: [DONE]\n\n'], true)
        return
      }
      case 'GET /account/stream': {
        // The token recipe: two events and an end, then "token expired", then the rest.
        accountGets++
        if (accountGets === 1) stream(response, ['retry: 100\nid: 1\ndata: a\n\n', 'id: 2\ndata: b\n\n'], true)
        else if (accountGets === 2) response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":{"message":"token expired"}}')
        else stream(response, [`id: 3\ndata: c after ${String(request.headers['last-event-id'])}\n\n`], false)
        return
      }
      case 'GET /feed':
        stream(response, ['id: 42\ndata: {"n":42}\n\n'], false)
        return
      case 'GET /chat':
        stream(response, ['event: token\ndata: Hel\n\n', 'event: token\ndata: lo\n\n', 'event: done\ndata: \n\n'], false)
        return
      default:
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no route for ${route}`)
    }
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    firstEvent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// ---------------------------------------------------------------------------
// Running one snippet

// Imported before every snippet: what the snippets assume exists. `localStorage`
// starts with a saved id and reports writes on stderr (`harness:` lines), so a
// test sees what the resume recipe stored. The IPC listener is how the harness
// ends an open-ended snippet; the channel is unref'd so it never keeps a
// snippet alive by itself.
const PRELUDE = `
declare global {
  function getFreshToken(): Promise<string>
}
globalThis.getFreshToken = async () => 'fresh-token'
const store = new Map<string, string>([['feed-last-id', '41']])
Object.defineProperty(globalThis, 'localStorage', {
  configurable: true,
  value: {
    getItem: (key: string): string | null => store.get(key) ?? null,
    setItem: (key: string, value: string): void => {
      store.set(key, value)
      process.stderr.write('harness: localStorage.setItem ' + JSON.stringify([key, value]) + '\\n')
    },
    removeItem: (key: string): void => void store.delete(key),
    clear: (): void => store.clear(),
  },
})
process.on('message', (message) => {
  if (message === 'stop') process.exit(0)
})
process.channel?.unref()
export {}
`

// The bare specifiers the README uses, mapped to the sources as the package's
// `exports` map them to dist/ for Node: its `node` condition gives the entries
// with the Node transport, or with TEST_TRANSPORT=fetch the ones on fetch
// (test/support/transport-setup.ts).
const NODE_ENTRIES = process.env.TEST_TRANSPORT === 'fetch' ? new Set<string>() : new Set(['index', 'polyfill'])
const aliasPlugin: Plugin = {
  name: 'eventsource-kit-source',
  setup(build) {
    build.onResolve({ filter: /^eventsource-kit(\/polyfill|\/lite|\/share)?$/ }, (args) => {
      const entry = args.path === 'eventsource-kit' ? 'index' : args.path.slice('eventsource-kit/'.length)
      return { path: join(ROOT, 'src', `${NODE_ENTRIES.has(entry) ? `${entry}.node` : entry}.ts`) }
    })
    build.onResolve({ filter: /^eventsource-kit\/node-transport$/ }, () => ({ path: join(ROOT, 'src', 'node-transport', 'index.ts') }))
  },
}

interface SnippetRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  /** stderr without the harness's own lines. */
  stderr: string
  /** localStorage.setItem calls, as [key, value]. */
  stored: Array<[string, string]>
  /** The code after the snippet ran: its top level finished. */
  done: boolean
  /** True when the harness stopped it (open-ended), false when it ended by itself. */
  stopped: boolean
  requests: SeenRequest[]
}

let counter = 0

async function runSnippet(
  snippet: Snippet,
  options: { server?: ServerOptions; env?: Record<string, string>; epilogue?: string } = {},
): Promise<SnippetRun> {
  const server = await startReadmeServer(options.server)
  try {
    const id = `${++counter}`
    const dir = join(WORK_DIR, `snippet-${id}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'prelude.ts'), PRELUDE)
    writeFileSync(join(dir, 'snippet.ts'), snippet.code.replace(EXAMPLE_ORIGINS, server.origin))
    // Its last line proves the snippet's top level ran to the end (nothing was
    // skipped or left pending).
    writeFileSync(join(dir, 'epilogue.ts'), `${options.epilogue ?? ''}\nprocess.stderr.write('harness: done\\n')\nexport {}\n`)
    // ES modules evaluate in import order, and the snippet's top-level await
    // holds the epilogue back until the snippet's body has finished.
    writeFileSync(join(dir, 'entry.ts'), `import './prelude.ts'\nimport './snippet.ts'\nimport './epilogue.ts'\n`)
    const outfile = join(dir, 'bundle.mjs')
    await esbuild({
      entryPoints: [join(dir, 'entry.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      plugins: [aliasPlugin],
      // The repository's package.json declares only dist/polyfill.js as having
      // side effects, which would let esbuild drop the bare imports of the
      // snippet, the prelude and src/polyfill.ts as unused.
      ignoreAnnotations: true,
      // msw loads a wasm HTTP parser from beside its own files, so it runs from
      // node_modules (the bundle sits under the repository). esbuild hoists it
      // above the inlined polyfill, which is fine: msw looks for a global
      // EventSource when sse() is called, not when it is imported.
      external: ['msw', 'msw/*'],
    })

    const child = spawn(process.execPath, [outfile], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text))
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    let stopped = false
    const killer = setTimeout(() => child.kill('SIGKILL'), SNIPPET_LIMIT_MS)
    if (snippet.openEnded) {
      void server.firstEvent.then(() =>
        setTimeout(() => {
          if (child.connected) {
            stopped = true
            child.send('stop')
          }
        }, SETTLE_MS),
      )
    }
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }))
    })
    clearTimeout(killer)
    const done = stderr.split('\n').includes('harness: done')
    const harnessLine = /^harness: (?:done$|localStorage\.setItem (.*)$)/
    const stored: Array<[string, string]> = []
    for (const line of stderr.split('\n')) {
      const match = harnessLine.exec(line)
      if (match?.[1] !== undefined) stored.push(JSON.parse(match[1]) as [string, string])
    }
    return {
      code,
      signal,
      stdout,
      stderr: stderr
        .split('\n')
        .filter((line) => !harnessLine.test(line))
        .join('\n'),
      stored,
      stopped,
      done,
      requests: server.requests,
    }
  } finally {
    await server.close()
  }
}

function transcript(run: SnippetRun): string {
  return `exit ${run.code} (${run.signal ?? 'no signal'}${run.stopped ? ', stopped by the harness' : ''})\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`
}

function stdoutLines(run: SnippetRun): string[] {
  return run.stdout.split('\n').filter((line) => line !== '')
}

// ---------------------------------------------------------------------------
// What each snippet must do, beyond exiting 0. Keyed by snippet name.

interface Check {
  server?: ServerOptions
  env?: Record<string, string>
  /** Code run after the snippet, in the same process (after its top-level await). */
  epilogue?: string
  verify(run: SnippetRun): void
}

const CHECKS: Record<string, Check[]> = {
  'Drop-in `EventSource`': [
    {
      // The server streams two events, ends, and answers the reconnect with 204.
      verify(run) {
        expect(stdoutLines(run)).toEqual(['open', 'hello 1', 'update: u1', 'the server said stop'])
        expect(run.requests.map((request) => request.headers['last-event-id'] ?? null)).toEqual([null, '2'])
      },
    },
  ],
  'Streaming an LLM response (POST, bearer token, no paid request twice)': [
    {
      env: { API_KEY },
      verify(run) {
        expect(run.stdout).toBe('Hello, world!')
        expect(run.stderr.trim()).toBe('')
        expect(run.requests).toHaveLength(1)
        const [request] = run.requests
        expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`)
        expect(request?.headers['content-type']).toBe('application/json')
        expect(JSON.parse(request?.body ?? '')).toMatchObject({ stream: true })
      },
    },
    {
      // No API_KEY: the server answers 401 and the snippet's catch prints it, once.
      verify(run) {
        expect(run.stdout).toBe('')
        expect(run.stderr.trim()).toMatch(/^401 .*401/)
        expect(run.requests).toHaveLength(1)
      },
    },
  ],
  'Options': [
    {
      verify(run) {
        expect(run.stopped).toBe(true)
        expect(run.requests[0]?.headers.authorization).toBe('Bearer fresh-token')
      },
    },
  ],
  'Errors': [
    {
      server: { eventsThen: 401 },
      verify(run) {
        expect(stdoutLines(run)).toEqual([
          'end EventSource stream ended; reconnecting in 100 ms',
          'refused: 401 Bearer realm="example"',
        ])
      },
    },
  ],
  'A token that expires while streaming': [
    {
      verify(run) {
        expect(run.stopped).toBe(true)
        expect(stdoutLines(run)).toEqual(['1 a', '2 b', 'token refreshed after 401', '3 c after 2'])
        expect(run.requests.map((r) => [r.path, r.headers.authorization, r.headers['last-event-id']])).toEqual([
          ['/account/stream', 'Bearer fresh-token', undefined],
          ['/account/stream', 'Bearer fresh-token', '2'],
          ['/account/stream', 'Bearer fresh-token', '2'],
        ])
      },
    },
  ],
  'On Node: the Node transport': [
    {
      verify(run) {
        expect(run.stopped).toBe(true)
        expect(run.requests[0]?.path).toBe('/feed')
        expect(run.requests[0]?.headers.accept).toBe('text/event-stream')
      },
    },
  ],
  'Resume after a page reload or a process restart': [
    {
      verify(run) {
        expect(run.stopped).toBe(true)
        expect(run.requests[0]?.headers['last-event-id']).toBe('41')
        expect(run.stored).toEqual([['feed-last-id', '42']])
      },
    },
  ],
  'Backoff, `Retry-After` and giving up': [
    {
      verify(run) {
        expect(run.stopped).toBe(true)
        expect(run.requests.map((request) => request.path)).toEqual(['/feed'])
      },
    },
  ],
  'Heartbeats and half-open connections': [
    {
      verify(run) {
        expect(run.stopped).toBe(true)
        expect(run.requests.map((request) => request.path)).toEqual(['/feed'])
      },
    },
  ],
  'Reading a `Response` you already have': [
    {
      verify(run) {
        expect(stdoutLines(run)).toEqual(['from-post'])
        expect(run.requests.map((request) => `${request.method} ${request.path} ${request.body}`)).toEqual(['POST /events {}'])
      },
    },
  ],
  'Custom event types, typed': [
    {
      verify(run) {
        expect(stdoutLines(run)).toEqual(['Hel', 'lo'])
        // close() on `done` ended the process: no reconnect.
        expect(run.requests).toHaveLength(1)
      },
    },
  ],
  'As `window.EventSource` / `globalThis.EventSource`': [
    {
      epilogue: `
import { EventSource } from 'eventsource-kit'
if (globalThis.EventSource !== EventSource) throw new Error('the polyfill did not install eventsource-kit as globalThis.EventSource')
`,
      verify(run) {
        expect(run.stdout).toBe('')
      },
    },
  ],
  'Testing an app that uses it, with msw': [
    {
      verify(run) {
        expect(stdoutLines(run)).toEqual(['hello'])
        // msw answered: nothing reached the network.
        expect(run.requests).toEqual([])
      },
    },
  ],
}

// ---------------------------------------------------------------------------

const snippets = readmeSnippets()

beforeAll(() => {
  mkdirSync(WORK_DIR, { recursive: true })
})
afterAll(() => {
  if (process.env.KEEP_README_WORK === undefined) rmSync(WORK_DIR, { recursive: true, force: true })
})

describe('README.md ```ts snippets run', () => {
  it('README.md has ts snippets, and every check names one', () => {
    expect(snippets.length).toBeGreaterThan(5)
    const names = new Set(snippets.map((snippet) => snippet.name))
    expect(Object.keys(CHECKS).filter((name) => !names.has(name))).toEqual([])
  })

  for (const snippet of snippets) {
    const checks = CHECKS[snippet.name] ?? [{ verify: () => {} }]
    checks.forEach((check, index) => {
      const label = `${snippet.name} (README.md:${snippet.line}${snippet.openEnded ? ', open-ended' : ''})${checks.length > 1 ? ` case ${index + 1}` : ''}`
      it(label, async () => {
        const run = await runSnippet(snippet, check)
        expect(run.signal, transcript(run)).toBeNull()
        expect(run.code, transcript(run)).toBe(0)
        expect(run.done, transcript(run)).toBe(true)
        check.verify(run)
      })
    })
  }
})

describe('README.md ```ts snippets type-check', () => {
  it('tsc --noEmit on every snippet, strict, as a module', () => {
    const dir = join(WORK_DIR, 'typecheck')
    mkdirSync(dir, { recursive: true })
    // What the prelude provides at run time, declared for the type checker.
    writeFileSync(join(dir, 'globals.d.ts'), 'declare function getFreshToken(): Promise<string>\n')
    const files = snippets.map((snippet, index) => {
      const file = `snippet-${index + 1}.ts`
      // `export {}` makes each a module (top-level await; no shared globals between snippets).
      writeFileSync(join(dir, file), `${snippet.code}\nexport {}\n`)
      return { file, snippet }
    })
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: {
          noEmit: true,
          paths: {
            'eventsource-kit': [join(ROOT, 'src', 'index.ts')],
            'eventsource-kit/polyfill': [join(ROOT, 'src', 'polyfill.ts')],
            'eventsource-kit/lite': [join(ROOT, 'src', 'lite.ts')],
            'eventsource-kit/share': [join(ROOT, 'src', 'share.ts')],
            'eventsource-kit/node-transport': [join(ROOT, 'src', 'node-transport', 'index.ts')],
          },
        },
        include: [join(dir, '*.ts')],
      }),
    )
    const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    // Each error line, named by the snippet's heading and README line.
    const errors = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => {
        const found = files.find(({ file }) => line.includes(file))
        return found === undefined ? line : `${found.snippet.name} (README.md:${found.snippet.line}): ${line.slice(line.indexOf('error TS'))}`
      })
    expect(errors).toEqual([])
    expect(result.status).toBe(0)
  })
})
