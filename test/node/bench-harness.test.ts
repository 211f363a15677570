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
const CLIENTS = ['eventsource-kit', 'eventsource-kit/fetchEvents', 'eventsource', 'undici', 'fetch-event-source', 'floor']

// Issue 21: the Node transport as columns, and the many-streams scenarios
// (10 000 idle streams; 10 000 streams × 1 event/s) for the library on each
// transport, HTTP/2 included.
const TRANSPORT_CLIENTS = ['eventsource-kit+node', 'eventsource-kit/fetchEvents+node', 'floor+node']
const STREAM_SCENARIOS = {
  'streams-heap': 'B/stream',
  'streams-rss': 'B/stream',
  'tick-cpu': '% of a core',
  'tick-p50': 'ms',
  'tick-p99': 'ms',
  'tick-rss': 'B',
} as const
const STREAM_CLIENTS = [
  'eventsource-kit',
  'eventsource-kit/fetchEvents',
  'eventsource-kit+node',
  'eventsource-kit/fetchEvents+node',
  'eventsource-kit+h2',
  'eventsource-kit/fetchEvents+h2',
  'floor',
]

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
    timeout: 240_000,
  })
  output = `${run.stdout}\n${run.stderr}`
  if (run.status !== 0) throw new Error(`bench/run.mjs --check exited with ${run.status}:\n${output}`)
  report = JSON.parse(readFileSync(out, 'utf8')) as Report
}, 270_000)

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

  it('measures the Node transport as columns: throughput, latency and idle figures for each +node client', () => {
    for (const scenario of ['small-events', 'large-events', 'latency-p50', 'idle-heap']) {
      for (const client of TRANSPORT_CLIENTS) {
        if (client === 'floor+node' && scenario === 'idle-heap') continue
        expect(report.scenarios[scenario]?.[client]?.median, `${scenario} / ${client}`).toBeGreaterThan(0)
      }
    }
  })

  it.each(Object.entries(STREAM_SCENARIOS))('many streams, %s: a figure in %s for the library on each transport', (scenario, unit) => {
    for (const client of STREAM_CLIENTS) {
      const entry = report.scenarios[scenario]?.[client]
      expect(entry?.skipped, `${scenario} / ${client}: ${entry?.reason}`).toBeUndefined()
      expect(entry?.unit).toBe(unit)
      expect(entry?.median).toBeGreaterThan(0)
    }
    // Every event delivered, on every transport: none lost.
    for (const client of STREAM_CLIENTS) expect(report.scenarios['tick-lost']?.[client]?.median, `tick-lost / ${client}`).toBe(0)
  })

  it('measures the lite entry and the references too, with no failed round anywhere', () => {
    expect(report.scenarios['small-events']?.['eventsource-kit/lite']?.median).toBeGreaterThan(0)
    expect(report.scenarios['bundle-size']?.['eventsource-kit/lite']?.median).toBeGreaterThan(0)
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
