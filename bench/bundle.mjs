// Bundle size of each client: esbuild bundles an entry that imports just the
// client's export, with every dependency, minified (ESM), then gzip level 9.
// Node built-ins are not counted (platform node only for undici, whose
// EventSource needs them; the others are bundled for the browser).
import { gzipSync, constants } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
// `--plus DIR` (run.mjs) sizes another copy of this client's source: DIR/src/index.ts and DIR/src/lite.ts.
// Read when sizing, not at import: run.mjs sets it after importing this module.
const plus = (entry = 'index') => (process.env.BENCH_PLUS ? `${process.env.BENCH_PLUS}/src/${entry}.ts` : `./src/${entry}.ts`)

/** What each client's bundle is built from. */
export const ENTRIES = {
  'eventsource-kit': { contents: () => `export { EventSource } from '${plus()}'`, platform: 'browser', note: 'EventSource export of src/index.ts, with eventsource-parser' },
  'eventsource-kit/fetchEvents': { contents: () => `export { fetchEvents } from '${plus()}'`, platform: 'browser', note: 'fetchEvents export only (tree-shaken), with eventsource-parser' },
  'eventsource-kit/lite': { contents: () => `export { EventSource } from '${plus('lite')}'`, platform: 'browser', note: 'EventSource of src/lite.ts (eventsource-kit/lite), with eventsource-parser' },
  'eventsource-kit (whole index)': { contents: () => `export * from '${plus()}'`, platform: 'browser', note: 'every export of src/index.ts', extra: true },
  eventsource: { contents: "export { EventSource } from 'eventsource'", platform: 'browser', note: 'with eventsource-parser' },
  undici: {
    contents: "export { EventSource } from 'undici'",
    platform: 'node',
    note: "undici's EventSource runs on undici's own fetch and dispatcher, so its bundle is most of undici (Node built-ins not counted)",
  },
  'fetch-event-source': { contents: "export { fetchEventSource } from '@microsoft/fetch-event-source'", platform: 'browser', note: 'no dependencies' },
  'eventsource-client': { contents: "export { createEventSource } from 'eventsource-client'", platform: 'browser', note: 'createEventSource, with its dependencies' },
  floor: { contents: "export { floor } from './bench/floor.mjs'", platform: 'browser', note: 'bench/floor.mjs with eventsource-parser' },
}

/** @returns {Promise<{ minified: number, gzip: number }>} bytes */
export async function bundleSize(name) {
  const entry = ENTRIES[name]
  const result = await build({
    stdin: { contents: typeof entry.contents === 'function' ? entry.contents() : entry.contents, resolveDir: root, loader: 'ts', sourcefile: `${name}-entry.ts` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: entry.platform,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  })
  const code = result.outputFiles[0].contents
  return { minified: code.length, gzip: gzipSync(code, { level: constants.Z_BEST_COMPRESSION }).length }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(ENTRIES)) {
    const size = await bundleSize(name)
    console.log(`${name.padEnd(32)} ${String(size.minified).padStart(8)} B min  ${String(size.gzip).padStart(7)} B min+gz (${(size.gzip / 1000).toFixed(2)} kB)`)
  }
}
