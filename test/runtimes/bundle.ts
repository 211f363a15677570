// Bundles one test file, unchanged, for a runtime vitest does not run on: esbuild resolves
// `vitest` to shim.ts (except inside the shim, which takes `expect` and `vi` from vitest itself),
// and a small entry loads the file, runs it and reports the result the way the runtime can.

import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import type { ShimConfig } from './shim.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SHIM = fileURLToPath(new URL('./shim.ts', import.meta.url))

/** `process`: an ES module for `node`/`deno`/`bun` that prints its result and exits.
 *  `browser`: a classic script for a page (or, with `?worker`, a dedicated worker it starts, or,
 *  with `?serviceworker`, a service worker it registers).
 *  `workerd`: an ES module Worker whose `fetch()` runs the file and answers with the result
 *  (workerd allows no I/O or timers outside a request, so the file runs inside one). */
export type Flavour = 'process' | 'browser' | 'workerd'

const vitestToShim: esbuild.Plugin = {
  name: 'vitest-to-shim',
  setup(build) {
    build.onResolve({ filter: /^vitest$/ }, (args) => (args.importer === SHIM ? undefined : { path: SHIM }))
  },
}

function entry(file: string, flavour: Flavour): string {
  const shim = JSON.stringify(SHIM)
  const spec = JSON.stringify(`./${file}`)
  const name = JSON.stringify(file)
  if (flavour === 'process') return `import { runFile, reportAndExit } from ${shim}\nreportAndExit(await runFile(${name}, () => import(${spec})))\n`
  // workerd: even the shim loads inside the request (vitest's fake timers probe setTimeout as
  // they load, and workerd allows no timer at a module's top level).
  if (flavour === 'workerd')
    return `export default { async fetch() { const { workerResponse } = await import(${shim}); return workerResponse(${name}, () => import(${spec})) } }\n`
  return `import { runInBrowser } from ${shim}\nrunInBrowser(${name}, () => import(${spec}))\n`
}

/** JavaScript for `file` (relative to the repository root). `config` is baked in for process
 *  runtimes and workerd; a browser page receives it from the orchestrator at load time instead. */
export async function bundleTestFile(file: string, flavour: Flavour, config?: ShimConfig): Promise<string> {
  const result = await esbuild.build({
    stdin: { contents: entry(relative(ROOT, `${ROOT}/${file}`), flavour), resolveDir: ROOT, sourcefile: `runtimes-entry:${file}`, loader: 'ts' },
    bundle: true,
    write: false,
    format: flavour === 'browser' ? 'iife' : 'esm',
    platform: 'browser',
    target: 'es2022',
    plugins: [vitestToShim],
    banner: config === undefined ? {} : { js: `globalThis.__runtimesShim = ${JSON.stringify(config)};` },
    // Failure stacks then point into the test files (Deno and Bun read inline maps; Node is
    // started with --enable-source-maps).
    sourcemap: 'inline',
    logLevel: 'silent',
  })
  const output = result.outputFiles?.[0]
  if (output === undefined) throw new Error(`esbuild produced nothing for ${file}`)
  return output.text
}
