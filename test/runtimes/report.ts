// The shape of reports/runtimes.json and the tables made from it: the summary `npm test` ends
// with, and the README's runtime support table (readme.ts).

export interface Failure {
  name: string
  error: string
}

/** A test that skipped itself at run time, with its reason (shim runtimes; vitest's JSON
 *  report carries no skip note). */
export interface Skip {
  name: string
  reason: string
}

export interface RuntimeReport {
  id: string
  /** e.g. `Node 26.10.0`, `workerd 2026-11-23`, `Chromium 147.0.7727.0 (service worker)`. */
  label: string
  /** How the suites ran there: `vitest`, `vitest API shim`, … */
  runner: string
  /** `false` when the runtime could not be started at all (counted as one failure). */
  started: boolean
  passed: number
  failed: number
  skipped: number
  seconds: number
  failures: Failure[]
  /** Tests that skipped themselves with a reason (absent in older reports). */
  skips?: Skip[]
}

export interface RunReport {
  date: string
  seconds: number
  runtimes: RuntimeReport[]
}

export function totals(runtimes: RuntimeReport[]): { passed: number; failed: number; skipped: number } {
  const sum = (pick: (r: RuntimeReport) => number): number => runtimes.reduce((n, r) => n + pick(r), 0)
  return { passed: sum((r) => r.passed), failed: sum((r) => r.failed), skipped: sum((r) => r.skipped) }
}

/** The closing line of `npm test`. */
export function closingLine(runtimes: RuntimeReport[]): string {
  const t = totals(runtimes)
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`
}

function status(r: RuntimeReport): string {
  if (!r.started) return 'could not start'
  return r.failed === 0 ? 'ok' : 'FAILED'
}

/** A plain-text table for the terminal. */
export function summaryTable(runtimes: RuntimeReport[]): string {
  const header = ['runtime', 'runner', 'passed', 'failed', 'skipped', 'time', 'status']
  const rows = runtimes.map((r) => [r.label, r.runner, String(r.passed), String(r.failed), String(r.skipped), `${r.seconds.toFixed(1)} s`, status(r)])
  const t = totals(runtimes)
  const total = ['total', '', String(t.passed), String(t.failed), String(t.skipped), '', t.failed === 0 ? 'ok' : 'FAILED']
  const all = [header, ...rows, total]
  const numeric = new Set([2, 3, 4, 5])
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)))
  const line = (row: string[]): string =>
    row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number))).join('  ').trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [line(header), rule, ...rows.map(line), rule, line(total)].join('\n')
}

/** The README's runtime support table (Markdown), from a report. */
export function markdownTable(report: RunReport): string {
  const rows = report.runtimes.map(
    (r) => `| ${r.label} | ${r.runner} | ${r.passed} | ${r.failed} | ${r.skipped} | ${status(r) === 'ok' ? '✅' : `❌ ${status(r)}`} |`,
  )
  return [
    '| runtime | how the suites run | passed | failed | skipped | |',
    '|---|---|--:|--:|--:|---|',
    ...rows,
    '',
    `From \`npm test\` on ${report.date.slice(0, 10)} (${closingLine(report.runtimes)}, ${Math.round(report.seconds)} s).`,
  ].join('\n')
}
