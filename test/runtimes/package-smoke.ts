// The published shape, tested the way a user gets it: `npm pack` (prepack builds dist/), publint
// and attw on the tarball, then a temporary project installs the tarball and imports it from
// every runtime — ESM `import` everywhere, `require()` on Node ≥ 22 — and talks to a real SSE
// endpoint with both `EventSource` and `fetchEvents`, and checks `eventsource-plus/polyfill`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './bundle.js'
import { type Exit, describeExit, run } from './processes.js'
import type { FileResult, TestResult } from './shim.js'

const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name)

/** The smoke test, once as an ES module and once as CommonJS; `LOAD` becomes import or require. */
function smokeSource(load: (specifier: string) => string): string {
  return `const url = typeof Deno === 'undefined' ? process.argv[2] : Deno.args[0]
async function main() {
  const before = globalThis.EventSource
  const { EventSource, fetchEvents } = ${load('eventsource-plus')}
  ${load('eventsource-plus/polyfill')}
  const expected = before ?? EventSource
  if (globalThis.EventSource !== expected) {
    throw new Error('polyfill: globalThis.EventSource is ' + (globalThis.EventSource === EventSource ? "this package's" : String(globalThis.EventSource)) + ', expected ' + (before === undefined ? "this package's" : 'the native one'))
  }
  // The full class and the lite one, from the same tarball.
  const { EventSource: LiteEventSource } = ${load('eventsource-plus/lite')}
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
  console.log('smoke ok: polyfill ' + (before === undefined ? 'installed' : 'left the native EventSource'))
}
main().catch((error) => { console.error(error); (typeof Deno === 'undefined' ? process : Deno).exit(1) })
`
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

export async function runPackageChecks(options: { node20: string | undefined; log(line: string): void }): Promise<FileResult> {
  const result: FileResult = { file: 'package', tests: [], errors: [] }
  const dir = mkdtempSync(join(tmpdir(), 'eventsource-plus-pack-'))
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
    for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/polyfill.js', 'dist/polyfill.d.ts']) {
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

  const project = join(dir, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'smoke', private: true, type: 'module' }, null, 2)}\n`)
  writeFileSync(join(project, 'smoke.mjs'), smokeSource((s) => `await import('${s}')`))
  writeFileSync(join(project, 'smoke.cjs'), smokeSource((s) => `require('${s}')`))
  const installed = await check('npm install <tarball> into a new project', () =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project }),
  )

  if (installed) {
    const server = await helloServer()
    try {
      const node24 = bin('node')
      const node22 = join(ROOT, 'node_modules/node22/bin/node')
      const smoke = (name: string, command: string, args: string[]): Promise<boolean> =>
        check(name, () => run(command, [...args, server.url], { cwd: project, timeoutMs: 60_000 }))
      if (options.node20 === undefined) result.tests.push({ name: 'Node 20 (system): import', status: 'fail', ms: 0, error: 'no system node on PATH' })
      else await smoke('Node (system): import', options.node20, ['smoke.mjs'])
      await smoke('Node 22: import', node22, ['smoke.mjs'])
      await smoke('Node 22: require()', node22, ['smoke.cjs'])
      await smoke('Node 24: import', node24, ['smoke.mjs'])
      await smoke('Node 24: require()', node24, ['smoke.cjs'])
      await smoke('Node 24 --experimental-eventsource: polyfill keeps the native EventSource', node24, ['--experimental-eventsource', 'smoke.mjs'])
      await smoke('Deno: import', bin('deno'), ['run', '--allow-net=127.0.0.1', '--no-lock', 'smoke.mjs'])
      await smoke('Bun: import', bin('bun'), ['smoke.mjs'])
    } finally {
      await server.close()
    }
  }
  rmSync(dir, { recursive: true, force: true })
  return result
}
