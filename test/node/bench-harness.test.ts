// The benchmark harness (issue 7) as a contract, not a measurement: speed is
// never asserted here. `bench/run.mjs --check` runs every client through every
// scenario once with tiny streams, against a private build of this library.
// What must hold is what users and the README rely on: the named scenarios
// and clients of reports/bench.json, a figure for each, and every client
// delivering every character it was sent (the worker checks that, and a
// client that loses data shows up as a failed round).

import { spawnSync } from 'node:child_process'
import { readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { privateBuild, ROOT, type PrivateBuild } from './private-build.js'

interface Entry {
  median?: number
  unit?: string
  skipped?: boolean
  reason?: string
  failedRounds?: string[]
}

interface Report {
  check: boolean
  scenarios: Record<string, Record<string, Entry>>
}

// The names issue 7 fixes for reports/bench.json.
const SCENARIOS = {
  'small-events': 'events/s',
  'large-events': 'events/s',
  'latency-p50': 'µs',
  'latency-p99': 'µs',
  'idle-heap': 'B/connection',
  'bundle-size': 'B',
} as const
const CLIENTS = ['eventsource-plus', 'eventsource-plus/fetchEvents', 'eventsource', 'undici', 'fetch-event-source', 'floor']

let build: PrivateBuild
let report: Report
let output: string

beforeAll(() => {
  build = privateBuild('bench')
  // --plus DIR measures DIR/dist/*.js and bundles DIR/src/*.ts.
  symlinkSync(join(ROOT, 'src'), join(build.dir, 'src'), 'dir')
  const out = join(build.dir, 'bench.json')
  const run = spawnSync(process.execPath, ['bench/run.mjs', '--check', '--plus', build.dir, '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 150_000,
  })
  output = `${run.stdout}\n${run.stderr}`
  if (run.status !== 0) throw new Error(`bench/run.mjs --check exited with ${run.status}:\n${output}`)
  report = JSON.parse(readFileSync(out, 'utf8')) as Report
}, 180_000)

afterAll(() => build?.remove())

describe('npm run bench, one tiny round of every client', () => {
  it('says it was a check, so its figures are never taken for a result', () => {
    expect(report.check).toBe(true)
    expect(output).toContain('--check: tiny streams, figures meaningless')
  })

  it.each(Object.entries(SCENARIOS))('%s: a figure in %s for every client the issue names', (scenario, unit) => {
    const results = report.scenarios[scenario]
    expect(results, `scenario ${scenario} missing`).toBeDefined()
    for (const client of CLIENTS) {
      const entry = results?.[client]
      expect(entry, `${scenario} / ${client} missing`).toBeDefined()
      expect(entry?.skipped, `${scenario} / ${client}: ${entry?.reason}`).toBeUndefined()
      expect(entry?.failedRounds, `${scenario} / ${client}: ${entry?.failedRounds?.[0]}`).toBeUndefined()
      expect(entry?.unit).toBe(unit)
      expect(entry?.median).toBeGreaterThan(0)
      expect(Number.isFinite(entry?.median)).toBe(true)
    }
  })

  it('measures the lite entry and the references too, with no failed round anywhere', () => {
    expect(report.scenarios['small-events']?.['eventsource-plus/lite']?.median).toBeGreaterThan(0)
    expect(report.scenarios['bundle-size']?.['eventsource-plus/lite']?.median).toBeGreaterThan(0)
    expect(report.scenarios['small-events']?.['floor+event']?.median).toBeGreaterThan(0)
    expect(report.scenarios['small-events']?.['floor+for-await']?.median).toBeGreaterThan(0)
    const failed = Object.entries(report.scenarios).flatMap(([scenario, results]) =>
      Object.entries(results)
        .filter(([, entry]) => entry.skipped === true || entry.failedRounds !== undefined)
        .map(([client, entry]) => `${scenario} / ${client}: ${entry.reason ?? entry.failedRounds?.[0]}`),
    )
    expect(failed).toEqual([])
  })
})
