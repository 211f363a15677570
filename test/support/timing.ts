// Timing assertions for reconnect tests, read from the server's request log
// (one clock, the server's), so they measure what happened on the wire rather
// than when the test's own timers happened to run. Web-platform APIs only.

import { expect } from 'vitest'
import type { LoggedRequest } from './script-types.js'

/** How much earlier than intended a wait may look: the server notices a
 *  close a little after the client acted on it, and timers are rounded. */
export const EARLY_MS = 15

/** How much later than intended a wait may be: generous, because a loaded CI
 *  machine delays timers and connects (250 ms was seen to be too tight with
 *  the lifecycle tests spawning processes alongside), and a late reconnect is
 *  no bug. Tests that must tell close values apart also check the exact
 *  `reconnectDelay` the client announced. */
export const LATE_MS = 400

/**
 * The wait before each reconnect: from the moment the server saw attempt n's
 * connection close (or, if it is still open, its arrival) to the arrival of
 * attempt n + 1. The client cannot start waiting before the connection ends,
 * so this never undercounts the client's delay by more than a timer tick.
 */
export function reconnectGaps(log: readonly LoggedRequest[]): number[] {
  const gaps: number[] = []
  for (let i = 1; i < log.length; i++) {
    const previous = log[i - 1]
    const current = log[i]
    if (previous === undefined || current === undefined) continue
    gaps.push(current.receivedAt - (previous.closedAt ?? previous.receivedAt))
  }
  return gaps
}

/** Each gap within [expected − EARLY_MS, expected + late], with every gap in
 *  the failure message. */
export function expectGaps(gaps: readonly number[], expected: readonly number[], late = LATE_MS): void {
  const rounded = gaps.map((g) => Math.round(g))
  expect(rounded.length, `gaps ${JSON.stringify(rounded)} vs expected ${JSON.stringify(expected)}`).toBe(expected.length)
  expected.forEach((want, i) => {
    const got = rounded[i] ?? Number.NaN
    const where = `gap #${i} of ${JSON.stringify(rounded)}, expected ~${JSON.stringify(expected)}`
    expect(got, where).toBeGreaterThanOrEqual(want - EARLY_MS)
    expect(got, where).toBeLessThanOrEqual(want + late)
  })
}
