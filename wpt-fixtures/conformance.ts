import { mkdirSync, writeFileSync } from 'node:fs'
import { TARGETS, type Target, judge } from './manifest.js'
import { toJson, toMarkdown, toTable } from './report.js'
import type { TargetResults } from './results.js'
import { bundleRunner, launchChromium, runChromium } from './run-chromium.js'
import { runNode } from './run-node.js'

// `npm run conformance [-- <target>…]`: runs the ported WPT cases for each target, prints the
// table, writes reports/conformance.json, and exits non-zero when a result is not the one the
// manifest expects (judge() in manifest.ts, the reading npm test's runners use too: an
// applicable case failing, or a documented failure no longer failing).

const wanted = process.argv.slice(2).filter((arg): arg is Target => (TARGETS as readonly string[]).includes(arg))
const targets = wanted.length > 0 ? wanted : [...TARGETS]
const started = performance.now()

const browser = targets.some((t) => t.startsWith('chromium')) ? await launchChromium() : undefined
let runs: TargetResults[]
try {
  const runnerScript = browser === undefined ? '' : await bundleRunner()
  // The targets run side by side: each has its own fixture server and (in Chromium) cookie jar.
  runs = await Promise.all(
    targets.map((target) =>
      target === 'node' || target === 'node-lite' || browser === undefined
        ? runNode({ lite: target === 'node-lite' })
        : runChromium(browser, target === 'chromium-native' ? 'native' : target === 'chromium-lite' ? 'lite' : 'plus', { runnerScript }),
    ),
  )
} finally {
  await browser?.close()
}

console.log(toTable(runs))
mkdirSync('reports', { recursive: true })
writeFileSync('reports/conformance.json', `${JSON.stringify(toJson(runs), null, 2)}\n`)
writeFileSync('reports/conformance.md', toMarkdown(runs))
console.log(`\nwrote reports/conformance.json and conformance.md in ${((performance.now() - started) / 1000).toFixed(1)} s`)

const unexpected = runs.flatMap(({ target, results }) => results.filter((r) => judge(r, r.expected).status === 'fail').map((r) => `${target}: ${r.name}: ${r.status}${r.status === 'fail' ? ` (${r.message})` : ''}`))
if (unexpected.length > 0) {
  console.log(`\n${unexpected.length} unexpected result(s):\n${unexpected.join('\n')}`)
  process.exitCode = 1
}
