// The published shape, tested the way a user gets it: `npm pack` (prepack builds dist/), publint
// and attw on the tarball, then for each claimed Node major a new project installs the tarball with
// `npm install --engine-strict` run by that Node, and imports it — ESM `import`, and `require()`
// (require(esm), which every claimed major has) — and talks to a real SSE endpoint with both
// `EventSource` and `fetchEvents`, and checks `eventsource-kit/polyfill`. Deno and Bun import
// it from the Node 24 project; workerd runs it bundled as wrangler bundles a Worker, and runs the
// README's Workers example as a proxy of an LLM-style POST stream.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { type IncomingMessage, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import * as esbuild from 'esbuild'
import { ROOT } from './bundle.js'
import { type Exit, NODE, describeExit, run, versionOf } from './processes.js'
import type { FileResult, TestResult } from './shim.js'
import { startWorker } from './workerd.js'

const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name)

/** npm's own script (npm sets npm_execpath for `npm test`; else the `npm` on PATH), so that each
 *  Node major can run npm itself: npm checks `engines` against the Node that runs it. */
function npmCli(): string {
  if (process.env.npm_execpath !== undefined) return process.env.npm_execpath
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'npm')
    if (dir !== '' && existsSync(candidate)) return realpathSync(candidate)
  }
  throw new Error('no npm on PATH')
}

/**
 * The smoke test as a function `smoke(url)` that resolves with a line to print; `load` turns a
 * specifier into `await import(…)` or `require(…)`. The imports happen inside it, in order, so the
 * polyfill check sees the global before and after.
 */
function smokeFunction(load: (specifier: string) => string, resolve = "''"): string {
  return `async function smoke(url) {
  // Which file the package's export conditions chose: on Node the entry with the Node transport.
  const entry = String(${resolve}).split('/').pop()
  const before = globalThis.EventSource
  const { EventSource, fetchEvents } = ${load('eventsource-kit')}
  ${load('eventsource-kit/polyfill')}
  const expected = before ?? EventSource
  if (globalThis.EventSource !== expected) {
    throw new Error('polyfill: globalThis.EventSource is ' + (globalThis.EventSource === EventSource ? "this package's" : String(globalThis.EventSource)) + ', expected ' + (before === undefined ? "this package's" : 'the native one'))
  }
  // The full class and the lite one, from the same tarball.
  const { EventSource: LiteEventSource } = ${load('eventsource-kit/lite')}
  for (const [name, Source] of [['EventSource', EventSource], ['lite EventSource', LiteEventSource]]) {
    const source = new Source(url)
    const data = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(name + ': no message within 5 s')), 5000)
      source.onmessage = (event) => { clearTimeout(timer); resolve(event.data) }
      source.onerror = () => { if (source.readyState === Source.CLOSED) { clearTimeout(timer); reject(new Error(name + ' failed')) } }
    })
    source.close()
    if (data !== 'hello') throw new Error(name + ': got ' + JSON.stringify(data))
  }
  for await (const event of fetchEvents(url)) {
    if (event.data !== 'hello') throw new Error('fetchEvents: got ' + JSON.stringify(event.data))
    break
  }
  return 'smoke ok: polyfill ' + (before === undefined ? 'installed' : 'left the native EventSource') + (entry === '' ? '' : '; entry ' + entry)
}
`
}

/** A script for Node, Deno and Bun: the URL is its first argument. */
function smokeScript(load: (specifier: string) => string, resolve: string): string {
  return `${smokeFunction(load, resolve)}
const url = typeof Deno === 'undefined' ? process.argv[2] : Deno.args[0]
smoke(url).then((line) => console.log(line), (error) => { console.error(error); (typeof Deno === 'undefined' ? process : Deno).exit(1) })
`
}

/** A Worker for workerd: its fetch() runs the smoke against the URL bound as SMOKE_URL. */
function smokeWorker(): string {
  return `${smokeFunction((s) => `await import('${s}')`)}
export default {
  async fetch(request, env) {
    try {
      return new Response(await smoke(env.SMOKE_URL))
    } catch (error) {
      return new Response(String(error && error.stack || error), { status: 500 })
    }
  },
}
`
}

/** Bundles `entry` (in `project`) as wrangler bundles a Worker: ES module, the `workerd` and
 *  `worker` export conditions, every import inlined. */
async function bundleWorker(project: string, entry: string, outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [join(project, entry)],
    absWorkingDir: project,
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    logLevel: 'silent',
  })
}

/** Serves `data: hello` as an event stream on every path, then holds the connection. */
async function helloServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
    res.write('data: hello\n\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Serves `module` in workerd with `bindings`, runs `use` against its origin, and stops it; a
 *  failure message carries what workerd printed. */
async function inWorker(module: string, bindings: Record<string, string>, use: (origin: string) => Promise<string | undefined>): Promise<string | undefined> {
  const worker = await startWorker(module, { bindings })
  try {
    const failure = await use(worker.origin)
    return failure === undefined ? undefined : `${failure}\n${worker.output().slice(-2000)}`
  } finally {
    await worker.close()
  }
}

/** The ```ts block under the README's "On Cloudflare Workers" heading. */
function readmeWorkerSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### On Cloudflare Workers'))
  const code = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1]
  if (readme.indexOf('### On Cloudflare Workers') === -1 || code === undefined) throw new Error('README.md has no ```ts block under "### On Cloudflare Workers"')
  return code
}

/** The tokens the fake LLM streams, one per event, as OpenAI-style chat completion chunks. */
const TOKENS = ['Hel', 'lo', ', wor', 'ld', ' — ünï', 'cødé 🎉']

/**
 * The README's Workers example, bundled from the tarball and served by workerd: a client POSTs a
 * prompt to the Worker, the Worker POSTs to a fake LLM API (`https://api.example.com` pointed at a
 * loopback server) through fetchEvents() and streams the tokens back as its own event stream.
 * Checked: the upstream got one POST with the bearer token and the prompt, and the client got
 * every token, in order, then the end of the stream.
 */
async function readmeWorkerExample(project: string): Promise<string | undefined> {
  const requests: Array<{ method: string; authorization: string | undefined; body: string }> = []
  const upstream: Server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      requests.push({ method: req.method ?? '', authorization: req.headers.authorization, body })
      if (req.url !== '/v1/chat/completions') return void res.writeHead(404).end()
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      // One token per write, with pauses, so the proxy really streams them one by one.
      let i = 0
      const next = (): void => {
        if (i < TOKENS.length) {
          res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: TOKENS[i++] } }] })}\n\n`)
          setTimeout(next, 20)
        } else res.end('data: [DONE]\n\n')
      }
      next()
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  try {
    writeFileSync(join(project, 'readme-worker.ts'), readmeWorkerSnippet().replaceAll('https://api.example.com', origin))
    await bundleWorker(project, 'readme-worker.ts', join(project, 'readme-worker.bundle.mjs'))
    return await inWorker(join(project, 'readme-worker.bundle.mjs'), { API_KEY: 'test-key' }, async (worker) => {
      const response = await fetch(worker, { method: 'POST', body: JSON.stringify({ prompt: 'Say hello' }), signal: AbortSignal.timeout(30_000) })
      const text = await response.text()
      if (response.status !== 200 || response.headers.get('content-type') !== 'text/event-stream') return `the Worker answered ${response.status} ${response.headers.get('content-type')}: ${text}`
      const tokens = text.split('\n\n').filter((e) => e !== '').map((e) => JSON.parse(e.replace(/^data: /, '')) as string)
      if (JSON.stringify(tokens) !== JSON.stringify(TOKENS)) return `the client got ${JSON.stringify(tokens)}, expected ${JSON.stringify(TOKENS)} (raw: ${JSON.stringify(text)})`
      const [request, ...others] = requests
      if (request === undefined || others.length > 0) return `the upstream got ${requests.length} requests, expected 1`
      if (request.method !== 'POST' || request.authorization !== 'Bearer test-key') return `the upstream got ${request.method} with Authorization ${request.authorization}`
      const sent = JSON.parse(request.body) as { messages?: Array<{ content?: string }> }
      if (sent.messages?.[0]?.content !== 'Say hello') return `the upstream got the body ${request.body}`
      return undefined
    })
  } finally {
    await new Promise<void>((resolve) => {
      upstream.close(() => resolve())
      upstream.closeAllConnections()
    })
  }
}

export async function runPackageChecks(options: { log(line: string): void }): Promise<FileResult> {
  const result: FileResult = { file: 'package', tests: [], errors: [] }
  const dir = mkdtempSync(join(tmpdir(), 'eventsource-kit-pack-'))
  const check = async (name: string, work: () => Promise<Exit | string | undefined>): Promise<boolean> => {
    const started = performance.now()
    let test: TestResult
    try {
      const outcome = await work()
      const failed = typeof outcome === 'string' ? outcome : outcome !== undefined && outcome.code !== 0 ? describeExit(outcome) : undefined
      test = { name, status: failed === undefined ? 'pass' : 'fail', ms: 0, ...(failed === undefined ? {} : { error: failed }) }
    } catch (error) {
      test = { name, status: 'fail', ms: 0, error: error instanceof Error ? error.message : String(error) }
    }
    test.ms = Math.round(performance.now() - started)
    result.tests.push(test)
    options.log(`  ${test.status === 'pass' ? '✓' : '✗'} ${name}  (${(test.ms / 1000).toFixed(1)} s)`)
    return test.status === 'pass'
  }

  let tarball = ''
  const packed = await check('npm pack (prepack builds dist/)', async () => {
    const exit = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT })
    if (exit.code !== 0) return exit
    const [info] = JSON.parse(exit.stdout.slice(exit.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>
    if (info === undefined) return 'npm pack printed no package'
    tarball = join(dir, info.filename)
    const needs = ['dist/index.js', 'dist/index.node.js', 'dist/index.d.ts', 'dist/polyfill.js', 'dist/polyfill.node.js', 'dist/polyfill.d.ts', 'dist/shared-connection.js', 'LICENSE', 'README.md', 'CHANGELOG.md']
    for (const needed of needs) {
      if (!info.files.some((f) => f.path === needed)) return `the tarball lacks ${needed}`
    }
    return undefined
  })
  if (!packed) {
    rmSync(dir, { recursive: true, force: true })
    return result
  }

  await check('publint: no errors, warnings or suggestions', async () => {
    const exit = await run(bin('publint'), ['run', tarball, '--strict', '--level', 'suggestion'], { cwd: ROOT })
    const output = `${exit.stdout}${exit.stderr}`
    return exit.code !== 0 || /Suggestions?:|Warnings?:|Errors?:/.test(output) ? `publint: ${describeExit({ ...exit, code: exit.code || 1 })}` : undefined
  })
  // ESM only, as the README says: attw's esm-only profile leaves out the node10 and CommonJS
  // resolution modes (require() of it on Node ≥ 22 is tested for real below).
  await check('attw (esm-only profile): no problems', () => run(bin('attw'), [tarball, '--profile', 'esm-only', '--no-color', '--no-emoji'], { cwd: ROOT }))

  // One project per claimed Node major, installed by npm running on that Node with
  // --engine-strict: an `engines` range (ours or eventsource-parser's) that leaves the major out
  // fails the install, as it would for a user who sets engine-strict.
  const projects = new Map<keyof typeof NODE, string>()
  for (const major of ['node22', 'node24', 'node26'] as const) {
    const project = join(dir, `project-${major}`)
    mkdirSync(project)
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'smoke', private: true, type: 'module' }, null, 2)}\n`)
    writeFileSync(join(project, 'smoke.mjs'), smokeScript((s) => `await import('${s}')`, "import.meta.resolve('eventsource-kit')"))
    writeFileSync(join(project, 'smoke.cjs'), smokeScript((s) => `require('${s}')`, "require.resolve('eventsource-kit')"))
    const version = (await versionOf(NODE[major]))?.replace(/^v/, '') ?? '?'
    const installed = await check(`Node ${version}: npm install --engine-strict <tarball> into a new project`, () =>
      run(NODE[major], [npmCli(), 'install', '--engine-strict', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project }),
    )
    if (installed) projects.set(major, project)
  }

  const server = await helloServer()
  try {
    // `entry`: the file `eventsource-kit` must resolve to there (index.node.js on Node, whose
    // `node` condition brings the Node transport; index.js where fetch stays).
    const smoke = (name: string, project: string | undefined, command: string, args: string[], entry: string): Promise<boolean> =>
      project === undefined
        ? check(name, async () => 'the install above failed')
        : check(`${name} (${entry})`, async () => {
            const exit = await run(command, [...args, server.url], { cwd: project, timeoutMs: 60_000 })
            if (exit.code !== 0) return exit
            // Exit code 0 alone would also pass a script that never ran its checks.
            if (!exit.stdout.includes('smoke ok:')) return `exited 0 without "smoke ok": ${exit.stdout}${exit.stderr}`
            return exit.stdout.includes(`; entry ${entry}\n`) ? undefined : `resolved another entry than ${entry}: ${exit.stdout}`
          })
    for (const major of ['node22', 'node24', 'node26'] as const) {
      const label = `Node ${major.slice(4)}`
      await smoke(`${label}: import`, projects.get(major), NODE[major], ['smoke.mjs'], 'index.node.js')
      // require(esm): CommonJS code can require() this ES module package.
      await smoke(`${label}: require()`, projects.get(major), NODE[major], ['smoke.cjs'], 'index.node.js')
    }
    const node24 = projects.get('node24')
    await smoke('Node 24 --experimental-eventsource: polyfill keeps the native EventSource', node24, NODE.node24, ['--experimental-eventsource', 'smoke.mjs'], 'index.node.js')
    await smoke('Deno: import', node24, bin('deno'), ['run', '--allow-net=127.0.0.1', '--no-lock', 'smoke.mjs'], 'index.js')
    // Deno's require() matches the `node` condition: index.node.js, which leaves Deno's fetch in
    // place (src/node-default.ts); the smoke's requests then reach the server as on index.js.
    await smoke('Deno: require()', node24, bin('deno'), ['run', '--allow-net=127.0.0.1', '--allow-read', '--no-lock', 'smoke.cjs'], 'index.node.js')
    await smoke('Bun: import', node24, bin('bun'), ['smoke.mjs'], 'index.js')
    await smoke('Bun: require()', node24, bin('bun'), ['smoke.cjs'], 'index.js')
    await check('workerd: a Worker bundled from the tarball (wrangler-style) imports it and streams', async () => {
      if (node24 === undefined) return 'the install above failed'
      writeFileSync(join(node24, 'smoke-worker.mjs'), smokeWorker())
      await bundleWorker(node24, 'smoke-worker.mjs', join(node24, 'smoke-worker.bundle.mjs'))
      return inWorker(join(node24, 'smoke-worker.bundle.mjs'), { SMOKE_URL: server.url }, async (origin) => {
        const response = await fetch(origin, { signal: AbortSignal.timeout(30_000) })
        const text = await response.text()
        return response.ok && text === 'smoke ok: polyfill left the native EventSource' ? undefined : `the Worker answered ${response.status}: ${text}`
      })
    })
  } finally {
    await server.close()
  }
  await check("workerd: the README's Workers example proxies an LLM-style POST stream through fetchEvents()", async () => {
    const project = projects.get('node24')
    if (project === undefined) return 'the install above failed'
    return readmeWorkerExample(project)
  })
  rmSync(dir, { recursive: true, force: true })
  return result
}
