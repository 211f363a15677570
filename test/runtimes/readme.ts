// `npm run readme:runtimes`: rewrites the runtime support table in README.md — only the block
// between `<!-- runtimes:start -->` and `<!-- runtimes:end -->` — from reports/runtimes.json,
// which the last `npm test` wrote.

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './bundle.js'
import { type RunReport, markdownTable } from './report.js'

const START = '<!-- runtimes:start -->'
const END = '<!-- runtimes:end -->'

const report = JSON.parse(readFileSync(join(ROOT, 'reports', 'runtimes.json'), 'utf8')) as RunReport
const readmePath = join(ROOT, 'README.md')
const readme = readFileSync(readmePath, 'utf8')
const start = readme.indexOf(START)
const end = readme.indexOf(END)
if (start === -1 || end < start) {
  console.error(`README.md has no ${START} … ${END} block to fill in`)
  process.exit(1)
}
const updated = `${readme.slice(0, start + START.length)}\n${markdownTable(report)}\n${readme.slice(end)}`
writeFileSync(readmePath, updated)
console.log(updated === readme ? 'README.md runtime table already up to date' : 'README.md runtime table updated')
