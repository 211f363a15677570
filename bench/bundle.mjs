// Bundle size of each client: esbuild bundles an entry that imports just the
// client's export, with every dependency, minified (ESM), then gzip level 9,
// as one file (no code splitting: a dynamic import() is inlined). For this
// library, splitSizes() also sizes the full entry split as a bundler ships it.
// Node built-ins are not counted (platform node only for undici, whose
// EventSource needs them; the others are bundled for the browser).
import { gzipSync, constants } from 'node:zlib'
import { join, relative, sep } from 'node:path'
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

const gzip = (code) => gzipSync(code, { level: constants.Z_BEST_COMPRESSION }).length

/**
 * The `EventSource` export as a bundler with code splitting ships it. The
 * `share` option loads src/shared-connection.ts with a dynamic `import()`,
 * which bundleSize() (one file, no splitting) inlines, so its figure counts
 * the sharing code too. Here `entry` is what every page loads (the entry file
 * and the chunks it imports statically) and `share` what only a page making a
 * source with `share` loads later (the files reached by `import()` alone).
 * Each file is gzipped on its own, as it is served; the sizes are their sums.
 *
 * @returns {Promise<{ entry: { minified: number, gzip: number, files: number }, share: { minified: number, gzip: number, files: number } }>}
 */
export async function splitSizes() {
  const outdir = join(root, '.bundle-split')
  const result = await build({
    stdin: { contents: ENTRIES['eventsource-kit'].contents(), resolveDir: root, loader: 'ts', sourcefile: 'eventsource-kit-entry.ts' },
    bundle: true,
    splitting: true,
    outdir,
    metafile: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  })
  const outputs = result.metafile.outputs
  const key = (file) => relative(root, file).split(sep).join('/')
  const code = new Map(result.outputFiles.map((file) => [key(file.path), file.contents]))
  // The statically loaded set: the entry file and its `import` statements, transitively.
  const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint !== undefined)
  const statics = new Set()
  const visit = (file) => {
    if (statics.has(file)) return
    statics.add(file)
    for (const imported of outputs[file].imports) if (imported.kind === 'import-statement') visit(imported.path)
  }
  visit(entry)
  const sum = (files) => ({
    minified: files.reduce((total, file) => total + code.get(file).length, 0),
    gzip: files.reduce((total, file) => total + gzip(code.get(file)), 0),
    files: files.length,
  })
  return { entry: sum([...statics]), share: sum(Object.keys(outputs).filter((file) => file.endsWith('.js') && !statics.has(file))) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const line = (name, size, note = '') =>
    console.log(`${name.padEnd(32)} ${String(size.minified).padStart(8)} B min  ${String(size.gzip).padStart(7)} B min+gz (${(size.gzip / 1000).toFixed(2)} kB)${note}`)
  for (const name of Object.keys(ENTRIES)) line(name, await bundleSize(name))
  const split = await splitSizes()
  console.log('eventsource-kit with code splitting (esbuild splitting: true; each file gzipped, summed):')
  line('  entry (loaded by every page)', split.entry, `, ${split.entry.files} file(s)`)
  line('  share (import() with share)', split.share, `, ${split.share.files} file(s)`)
}
