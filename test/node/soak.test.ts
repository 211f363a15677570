// NODE-ONLY (runs soak/soak.ts in a child process). Issue 21: the resume soak of `npm run soak`
// (issue 6) on both transports, in `npm test`, smaller: 30 000 events per client instead of
// 100 000, a few hundred cuts instead of 1 500, 300 leak cycles instead of 2 000. Every event must
// arrive exactly once, in order, on the Node transport and on Node's fetch, for EventSource and
// fetchEvents(); open/close cycles must leave no handle behind. The full-size soak (`npm run
// soak`) is what the README's figures come from.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import type { ClientReport } from '../../soak/soak.js'

const ROOT = resolve(import.meta.dirname, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'soak-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Only the type: importing soak.ts for its values would run the soak.
type ClientFigures = ClientReport

it('30 000 events per client and transport through hundreds of cuts: none lost, repeated or reordered', { timeout: 240_000 }, () => {
  const report = join(dir, 'soak.json')
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', './wpt-fixtures/ts-resolve.ts', 'soak/soak.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 230_000,
    env: { ...process.env, SOAK_EVENTS: '30000', SOAK_LEAK_CYCLES: '300', SOAK_RECONNECTS: '300', SOAK_REPORT: report },
  })
  // The child exits 1 on this size's purpose: fewer events than the full soak's bar.
  expect(run.signal, run.stderr).toBeNull()
  const figures = JSON.parse(readFileSync(report, 'utf8')) as {
    eventSource: ClientFigures
    fetchEvents: ClientFigures
    onFetch: { eventSource: ClientFigures; fetchEvents: ClientFigures }
    leaks: { handlesLeftOver: Record<string, number> }
  }
  const clients = [figures.eventSource, figures.fetchEvents, figures.onFetch.eventSource, figures.onFetch.fetchEvents]
  expect(clients.map((c) => `${c.client} on ${c.transport}`)).toEqual(['EventSource on node', 'fetchEvents on node', 'EventSource on fetch', 'fetchEvents on fetch'])
  for (const c of clients) {
    const what = `${c.client} on ${c.transport}`
    expect({ what, received: c.received, lost: c.lost, duplicated: c.duplicated, outOfOrder: c.outOfOrder, corrupted: c.corrupted, badLastEventIds: c.badLastEventIds, stalled: c.stalled }).toEqual({
      what,
      received: 30_000,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      corrupted: 0,
      badLastEventIds: 0,
      stalled: false,
    })
    expect(c.cuts, what).toBeGreaterThanOrEqual(100)
  }
  expect(figures.leaks.handlesLeftOver).toEqual({})
})
