// NODE-ONLY helper (not a test file): builds the library and the command line
// into a private directory, as `npm run build` does into dist/, so a test never
// races a concurrent `npm run build` (or reads a stale dist/).
//
// Layout of the private directory:
//
//   <dir>/package.json    a copy of the repository's: same name and `exports`,
//                         so `import 'eventsource-kit'` in dist/cli/*.js
//                         resolves by package self-reference to <dir>/dist/index.js
//                         (the private build, never the shared dist/), and
//                         `--version` reads the real version from it
//   <dir>/dist/           tsc -p tsconfig.build.json
//   <dir>/dist/cli/       tsc -p tsconfig.cli.json, typed against <dir>/dist/*.d.ts
//
// The directory lives under the repository's .tmp/ so the built files find
// `eventsource-parser` in the repository's node_modules.

import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')

export interface PrivateBuild {
  dir: string
  /** dist/cli/main.js: the `bin` of the package. */
  cli: string
  /** dist/cli/demo.js: what `npm start` runs after building. */
  demo: string
  /** dist/cli/demo-server.js: what `npm run demo:server` runs after building. */
  demoServer: string
  remove(): void
}

function tsc(args: string[]): void {
  const compiler = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const result = spawnSync(process.execPath, [compiler, ...args], { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`tsc ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
}

/** Builds src/ and cli/ into `.tmp/<label>-<pid>-<random>/`. */
export function privateBuild(label: string): PrivateBuild {
  const dir = join(ROOT, '.tmp', `${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`)
  mkdirSync(dir, { recursive: true })
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
  tsc(['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')])
  // tsconfig.cli.json types `eventsource-kit` through the package's exports,
  // i.e. the shared dist/index.d.ts; point it at the private declarations.
  // (Mapping to src/index.ts instead would pull src/ under the cli rootDir.)
  const cliConfig = join(dir, 'tsconfig.cli.json')
  writeFileSync(
    cliConfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.cli.json'),
      compilerOptions: {
        outDir: join(dir, 'dist', 'cli'),
        rootDir: join(ROOT, 'cli'),
        paths: {
          'eventsource-kit': [join(dir, 'dist', 'index.d.ts')],
          'eventsource-kit/node-transport': [join(dir, 'dist', 'node-transport', 'index.d.ts')],
        },
      },
      include: [join(ROOT, 'cli')],
    }),
  )
  tsc(['-p', cliConfig])
  return {
    dir,
    cli: join(dir, 'dist', 'cli', 'main.js'),
    demo: join(dir, 'dist', 'cli', 'demo.js'),
    demoServer: join(dir, 'dist', 'cli', 'demo-server.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
