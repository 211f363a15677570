import type { Case, Outcome } from './case-kit.js'
import { cases } from './cases.js'
import { mapLimit } from './limit.js'
import { type Expectation, type Target, expectation } from './manifest.js'

// Running the cases for one target: manifest skips are reported without running, everything
// else runs with a concurrency limit (timing cases wait seconds on a reconnect, so running them
// side by side is what keeps the suite fast).

export type Result = Outcome & { name: string; ms: number; expected?: Expectation }

export type TargetResults = { target: Target; results: Result[] }

export async function runTarget(
  target: Target,
  runOne: (c: Case) => Promise<Outcome>,
  concurrency: number,
): Promise<TargetResults> {
  const results = await mapLimit(cases, concurrency, async (c): Promise<Result> => {
    const expected = expectation(c.name, target)
    const started = performance.now()
    const outcome: Outcome =
      expected !== undefined && 'skip' in expected ? { status: 'skip', message: expected.skip } : await runOne(c)
    return { ...outcome, name: c.name, ms: Math.round(performance.now() - started), ...(expected ? { expected } : {}) }
  })
  return { target, results }
}
