// Where the time goes: runs one client on one throughput stream under
// `node --cpu-prof` (server in its own process, as in the benchmark) and
// prints self time by function and by source file.
//
//   node bench/profile.mjs [client=eventsource-kit] [small|large] [events]
//
// The .cpuprofile is kept (path printed) for Chrome DevTools / speedscope.
import { fork } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const root = here('..')
const [client = 'eventsource-kit', scenario = 'small', events] = process.argv.slice(2)
const count = Number(events ?? (scenario === 'large' ? 8000 : 1_000_000))

const server = fork(here('./server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)))
const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'))
const params = { smallEvents: count, largeEvents: count, latencyEvents: 0, latencyWarmup: 0, latencyInterval: 20, idleConnections: 0 }
const result = await new Promise((resolve, reject) => {
  const child = fork(here('./worker.mjs'), [JSON.stringify({ client, scenario, base: `http://127.0.0.1:${port}`, params })], {
    execArgv: ['--expose-gc', '--no-warnings', '--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100'],
  })
  let message
  child.on('message', (m) => (message = m))
  child.on('exit', () => (message?.ok ? resolve(message.result) : reject(new Error(message?.error ?? 'worker failed'))))
})
server.disconnect()
server.kill()

const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')))
const profile = JSON.parse(readFileSync(file, 'utf8'))
// Self time per node: samples × interval.
const selfCount = new Map()
for (const id of profile.samples) selfCount.set(id, (selfCount.get(id) ?? 0) + 1)
const total = profile.samples.length
const byFunction = new Map()
const byFile = new Map()
const shortUrl = (url) => {
  if (!url) return '(native)'
  const path = url.replace('file://', '')
  if (path.startsWith(root)) return relative(root, path).replace(/^node_modules\//, '')
  return path
}
for (const node of profile.nodes) {
  const n = selfCount.get(node.id) ?? 0
  if (n === 0) continue
  const { functionName, url, lineNumber } = node.callFrame
  const where = shortUrl(url)
  const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + n)
  const group = url ? where.replace(/(undici\/lib\/[^/]+\/[^/]+).*/, '$1') : functionName
  byFile.set(group, (byFile.get(group) ?? 0) + n)
}
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`
console.log(`${client}, ${scenario} events: ${result.eventsPerSec.toFixed(0)} events/s, ${result.mbPerSec.toFixed(0)} MB/s, ${result.cpuNsPerEvent.toFixed(0)} ns CPU/event (under the profiler)`)
console.log(`\nself time by function (top 30 of ${total} samples):`)
for (const [key, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(n)}  ${key}`)
console.log('\nself time by file:')
for (const [key, n] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(n)}  ${key}`)
console.log(`\nprofile: ${file}`)
