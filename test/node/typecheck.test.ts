// NODE-ONLY (runs tsc). The type tests (test/types/*.types.ts: what EventSourceInit accepts and
// refuses, with @ts-expect-error) and the strict typing of every source, test, bench and CLI file
// hold only if the compiler checks them: `tsc -p tsconfig.json --noEmit`, as `npm run typecheck`.
// On a fresh checkout too, with no dist/: the config maps the package's own imports to src/.

import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')

it('tsc --noEmit on the whole project (the type tests included): no error', { timeout: 120_000 }, () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--noEmit'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  expect(`${result.stdout}${result.stderr}`).toBe('')
  expect(result.status).toBe(0)
})
