import type { Result, TargetResults } from './results.js'

// The conformance report: `reports/conformance.json` in the shape issue 3 fixes, and the table
// `npm run conformance` prints (one row per case, one column per target, reasons as footnotes).

export type Status = 'pass' | 'fail' | 'skip'

export interface ConformanceJson {
  targets: Record<string, { passed: number; failed: number; skipped: number; cases: Record<string, Status> }>
}

export function toJson(runs: TargetResults[]): ConformanceJson {
  const targets: ConformanceJson['targets'] = {}
  for (const { target, results } of runs) {
    const count = (status: Status): number => results.filter((r) => r.status === status).length
    targets[target] = {
      passed: count('pass'),
      failed: count('fail'),
      skipped: count('skip'),
      cases: Object.fromEntries(results.map((r) => [r.name, r.status])),
    }
  }
  return { targets }
}

/** Rows of the table: one per case, one cell per target; reasons become numbered notes. */
function tableParts(runs: TargetResults[]): { header: string[]; rows: string[][]; notes: string[]; totals: string[] } {
  const notes: string[] = []
  const noteFor = (text: string): number => {
    const at = notes.indexOf(text)
    return at === -1 ? notes.push(text) : at + 1
  }
  const cell = (r: Result | undefined): string => {
    if (r === undefined) return '-'
    if (r.status === 'pass') return 'pass'
    // A documented failure is marked so it reads as known, not as a regression; its note is the
    // documented reason rather than the raw assertion message.
    const documented =
      r.status === 'fail' && r.expected !== undefined
        ? 'fail' in r.expected
          ? r.expected.fail
          : 'flaky' in r.expected
            ? r.expected.flaky
            : undefined
        : undefined
    return `${r.status}${documented === undefined ? '' : ' (known)'} [${noteFor(documented ?? r.message)}]`
  }
  const names = [...new Set(runs.flatMap((run) => run.results.map((r) => r.name)))]
  const totals = runs.map(({ target, results }) => {
    const n = (s: Status): number => results.filter((r) => r.status === s).length
    return `${target}: ${n('pass')} passed, ${n('fail')} failed, ${n('skip')} skipped`
  })
  return {
    header: ['case', ...runs.map((run) => run.target)],
    rows: names.map((name) => [name, ...runs.map((run) => cell(run.results.find((r) => r.name === name)))]),
    notes,
    totals,
  }
}

/** The table `npm run conformance` prints. */
export function toTable(runs: TargetResults[]): string {
  const { header, rows, notes, totals } = tableParts(runs)
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    '',
    ...notes.map((note, i) => `[${i + 1}] ${note}`),
    '',
    ...totals,
  ].join('\n')
}

/** The same table as Markdown (reports/conformance.md), for the README. */
export function toMarkdown(runs: TargetResults[]): string {
  const { header, rows, notes, totals } = tableParts(runs)
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`
  return [
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    ...notes.map((note, i) => `${i + 1}. ${note}`),
    '',
    ...totals.map((t) => `- ${t}`),
    '',
  ].join('\n')
}
