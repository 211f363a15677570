// `npm run bench`: every client side by side, in one run.
//
//   node bench/run.mjs [--rounds 5] [--quick | --check] [--clients a,b] [--scenarios small,large,latency,idle,bundle]
//
// The SSE server runs in its own process for the whole run. Every
// measurement (one client, one scenario, one round) runs in a fresh worker
// process, so one client's heap, JIT state and GC debt never touch another's.
// The client order rotates and reverses from round to round, so no client is
// always first (cold machine) or last. The figure of record is the median
// over rounds; the spread (max-min over median) says how noisy it was.
//
// Writes reports/bench.json and reports/bench.md (the table, with the date
// and the machine, ready for the README).
import { execFileSync, fork } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bundleSize, ENTRIES } from './bundle.mjs'
import { BOUNDS, CLIENTS, H2_CLIENTS, LIGHT_CLIENTS, NOTES, PACKAGES, REFERENCE_SCENARIOS, REFERENCES, STREAM_CLIENTS } from './clients.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const root = here('..').replace(/\/$/, '')

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    clients: { type: 'string' },
    scenarios: { type: 'string' },
    out: { type: 'string', default: 'reports/bench.json' },
    plus: { type: 'string' },
    'stream-rounds': { type: 'string' },
    pin: { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (args.help) {
  console.log(`npm run bench -- [--rounds N] [--quick] [--clients a,b] [--scenarios small,large,latency,idle,streams,tick,bundle] [--out reports/bench.json]
  --quick      3 rounds and shorter streams (a smoke run, not a figure of record)
  --check      1 round of tiny streams, every client and scenario: does the harness work and
               does every client deliver every character (seconds; its figures mean nothing)
  --rounds N   rounds (default 5; medians over rounds)
  --plus DIR   measure eventsource-kit from another copy (DIR/dist/{index,lite}.js, DIR/src/{index,lite}.ts), e.g. a prototype
  --stream-rounds N  rounds that run the many-streams scenarios (streams, tick; default 1: they are long)
  --pin        pin the server to CPU 0 and every worker to CPU 1 (taskset; needs 2+ cores)
  --node-flags "F"  extra V8/Node flags for every worker, space-separated (the report records them),
               e.g. --node-flags=--no-allocation-site-pretenuring for the tick scenario's RSS question
  --out FILE   where the JSON goes (a .md beside it); default reports/bench.json
  clients:     ${CLIENTS.join(', ')}
  HTTP/2:      ${H2_CLIENTS.join(', ')} (streams and tick only)
  streams, tick: ${STREAM_CLIENTS.join(', ')} only
  references:  ${REFERENCES.join(', ')} (the floor plus the least each surface adds; ${REFERENCE_SCENARIOS.join(', ')} only)`)
  process.exit(0)
}

const params = args.check
  ? { smallEvents: 4_000, largeEvents: 40, latencyEvents: 10, latencyWarmup: 2, latencyInterval: 10, latencyRuns: 1, idleConnections: 20, streams: 50, tickStreams: 50, tickSeconds: 2 }
  : args.quick
  ? { smallEvents: 200_000, largeEvents: 1_500, latencyEvents: 100, latencyWarmup: 10, latencyInterval: 10, latencyRuns: 1, idleConnections: 1_000, streams: 2_000, tickStreams: 2_000, tickSeconds: 5 }
  : { smallEvents: 500_000, largeEvents: 4_000, latencyEvents: 100, latencyWarmup: 10, latencyInterval: 10, latencyRuns: 2, idleConnections: 1_000, streams: 10_000, tickStreams: 10_000, tickSeconds: 10 }
const rounds = Number(args.rounds ?? (args.check ? 1 : args.quick ? 3 : 5))
const clients = args.clients ? args.clients.split(',') : [...CLIENTS, ...REFERENCES, ...H2_CLIENTS.filter((c) => !LIGHT_CLIENTS.includes(c))]
const runScenarios = args.scenarios ? args.scenarios.split(',') : ['small', 'large', 'latency', 'idle', 'streams', 'tick', 'bundle']
const streamRounds = Number(args['stream-rounds'] ?? 1)
if (args.plus !== undefined) process.env.BENCH_PLUS = args.plus.replace(/\/$/, '')
for (const client of clients) if (!CLIENTS.includes(client) && !REFERENCES.includes(client) && !H2_CLIENTS.includes(client) && !LIGHT_CLIENTS.includes(client)) throw new Error(`unknown client ${client}`)
const MANY_STREAMS = ['streams', 'tick']
/**
 * Whether `client` is measured in `scenario`: the references only where a
 * per-event cost shows; the many-streams scenarios only for STREAM_CLIENTS
 * (the library on each transport, and the floor); the HTTP/2 clients only there.
 */
const runsIn = (client, scenario) => {
  if (MANY_STREAMS.includes(scenario)) return STREAM_CLIENTS.includes(client)
  if (H2_CLIENTS.includes(client)) return false
  if (LIGHT_CLIENTS.includes(client)) return scenario !== 'bundle'
  // The transport is Node-only: no browser bundle to weigh.
  if (scenario === 'bundle' && client.endsWith('+node')) return false
  return !REFERENCES.includes(client) || REFERENCE_SCENARIOS.includes(scenario)
}

/** The scenarios of the report: what they are called, their unit, which way is better. */
const SCENARIOS = {
  'small-events': { unit: 'events/s', higher: true, title: 'small events, 128 B' },
  'large-events': { unit: 'events/s', higher: true, title: 'large events, 64 KiB' },
  'latency-p50': { unit: 'µs', higher: false, title: 'latency p50' },
  'latency-p99': { unit: 'µs', higher: false, title: 'latency p99' },
  'idle-heap': { unit: 'B/connection', higher: false, title: 'idle heap / connection' },
  'idle-rss': { unit: 'B/connection', higher: false, title: 'idle RSS / connection' },
  'streams-heap': { unit: 'B/stream', higher: false, title: `idle heap / stream, ${params.streams.toLocaleString('en')} streams` },
  'streams-rss': { unit: 'B/stream', higher: false, title: `idle RSS / stream, ${params.streams.toLocaleString('en')} streams` },
  'tick-cpu': { unit: '% of a core', higher: false, title: `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: CPU` },
  'tick-p50': { unit: 'ms', higher: false, title: `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: delay p50` },
  'tick-p99': { unit: 'ms', higher: false, title: `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: delay p99` },
  'tick-rss': { unit: 'B', higher: false, title: `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: RSS` },
  'tick-lost': { unit: 'events', higher: false, title: `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: events lost` },
  'bundle-size': { unit: 'B', higher: false, title: 'bundle, min+gz' },
}

// ---------------------------------------------------------------- processes

const NODE_FLAGS = args['node-flags']?.split(' ').filter(Boolean) ?? []
const EXEC_ARGV = ['--expose-gc', '--no-warnings', ...NODE_FLAGS]

/** `--pin`: the server on CPU 0, the client under test on CPU 1, every thread of each. */
function pin(child, cpu) {
  if (!args.pin) return
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(child.pid)], { stdio: 'ignore' })
  } catch (error) {
    throw new Error(`--pin: taskset failed (${error.message})`)
  }
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = fork(here('./server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    pin(child, 0)
    child.once('message', ({ port, h2Port }) => resolve({ child, base: `http://127.0.0.1:${port}`, h2Base: `https://127.0.0.1:${h2Port}` }))
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
}

function runWorker(job, timeoutMs = 180_000) {
  return new Promise((resolve) => {
    const child = fork(here('./worker.mjs'), [JSON.stringify(job)], {
      execArgv: EXEC_ARGV,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    pin(child, 1)
    let stderr = ''
    let settled = false
    const finish = (outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish({ ok: false, error: `worker timed out after ${timeoutMs / 1000} s` })
    }, timeoutMs)
    child.on('message', (message) => finish(message))
    child.on('exit', (code) => finish({ ok: false, error: `worker exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` }))
  })
}

// ---------------------------------------------------------------- statistics

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function spread(values) {
  if (values.length < 2) return 0
  return (Math.max(...values) - Math.min(...values)) / Math.abs(median(values) || 1)
}

// ---------------------------------------------------------------- the run

const version = (name) => {
  try {
    return JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')).version
  } catch {
    return '?'
  }
}

const machine = {
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  cores: os.availableParallelism(),
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
}
const versions = Object.fromEntries(
  Object.entries(PACKAGES).map(([client, pkg]) => [
    client,
    pkg === null ? JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version : version(pkg),
  ]),
)

const started = new Date()
const loadBefore = os.loadavg()
console.log(`bench: ${rounds} round(s), ${clients.length} clients, scenarios ${runScenarios.join(' ')}`)
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`)
if (!process.version.startsWith('v24.')) console.log(`warning: the goals are for Node 24; this is ${process.version}`)

/** samples[scenario][client] = one value per successful round */
const samples = {}
const failures = {}
const extra = {}
const record = (scenario, client, value, details) => {
  ;((samples[scenario] ??= {})[client] ??= []).push(value)
  if (details !== undefined) ((extra[scenario] ??= {})[client] ??= []).push(details)
}
const fail = (scenario, client, error) => {
  ;((failures[scenario] ??= {})[client] ??= []).push(error)
}
const serverCheck = { small: [], large: [] }

const workerScenarios = runScenarios.filter((s) => s !== 'bundle')
let server
if (workerScenarios.length > 0) server = await startServer()
try {
  for (let round = 0; round < rounds; round++) {
    // Rotate, and reverse every other round.
    let order = clients.map((_, i) => clients[(i + round) % clients.length])
    if (round % 2 === 1) order = order.reverse()
    process.stdout.write(`round ${round + 1}/${rounds} (${order.join(', ')})\n`)
    // Latency varies more from process to process than within one, so it
    // gets `latencyRuns` runs per round (slot order reversed each time).
    const steps = workerScenarios
      .filter((s) => !MANY_STREAMS.includes(s) || round < streamRounds)
      .flatMap((s) => (s === 'latency' ? Array(params.latencyRuns).fill(s) : [s]))
    let latencyRun = 0
    for (const scenario of steps) {
      const stepOrder = (scenario === 'latency' && latencyRun++ % 2 === 1 ? [...order].reverse() : order).filter((client) =>
        runsIn(client, scenario),
      )
      if (scenario === 'small' || scenario === 'large') {
        const check = await runWorker({ client: 'server', scenario, base: server.base, params })
        if (check.ok) serverCheck[scenario].push(check.result)
      }
      // Latency: every client at once, each in its own process, the server
      // writing to them in turn (see /sparse-group in server.mjs), so drift
      // of the machine between processes does not land on one client.
      const group =
        scenario === 'latency'
          ? {
              id: `r${round}-${latencyRun}`,
              slots: stepOrder.length,
              step: Math.max(2, Math.round(params.latencyInterval / stepOrder.length)),
            }
          : undefined
      const outcomes =
        group === undefined
          ? undefined
          : await Promise.all(stepOrder.map((client, slot) => runWorker({ client, scenario, base: server.base, h2Base: server.h2Base, params, group: { ...group, slot } })))
      for (const [index, client] of stepOrder.entries()) {
        const outcome =
          outcomes?.[index] ??
          (await runWorker({ client, scenario, base: server.base, h2Base: server.h2Base, params }, MANY_STREAMS.includes(scenario) ? 600_000 : undefined))
        const mark = outcome.ok ? '.' : 'x'
        process.stdout.write(mark)
        const names = {
          small: ['small-events'],
          large: ['large-events'],
          latency: ['latency-p50', 'latency-p99'],
          idle: ['idle-heap', 'idle-rss'],
          streams: ['streams-heap', 'streams-rss'],
          tick: ['tick-cpu', 'tick-p50', 'tick-p99', 'tick-rss', 'tick-lost'],
        }[scenario]
        if (!outcome.ok) {
          for (const name of names) fail(name, client, outcome.error)
          continue
        }
        const r = outcome.result
        if (scenario === 'small' || scenario === 'large') record(names[0], client, r.eventsPerSec, { mbPerSec: r.mbPerSec, cpuNsPerEvent: r.cpuNsPerEvent })
        else if (scenario === 'latency') {
          record('latency-p50', client, r.p50)
          record('latency-p99', client, r.p99)
        } else if (scenario === 'tick') {
          record('tick-cpu', client, r.cpuPercent)
          record('tick-p50', client, r.p50)
          record('tick-p99', client, r.p99)
          record('tick-rss', client, r.rss)
          record('tick-lost', client, r.lost, { events: r.events, expected: r.expected })
        } else {
          const prefix = scenario === 'streams' ? 'streams' : 'idle'
          record(`${prefix}-heap`, client, r.heapPerConnection)
          record(`${prefix}-rss`, client, r.rssPerConnection)
        }
      }
      process.stdout.write(` ${scenario}\n`)
    }
  }
} finally {
  server?.child.disconnect()
  server?.child.kill()
}

const bundleNotes = {}
if (runScenarios.includes('bundle')) {
  for (const client of clients) {
    if (!runsIn(client, 'bundle')) continue
    try {
      const size = await bundleSize(client)
      record('bundle-size', client, size.gzip, { minified: size.minified })
      bundleNotes[client] = ENTRIES[client].note
    } catch (error) {
      fail('bundle-size', client, error.message)
    }
  }
  if (clients.includes('eventsource-kit')) {
    const whole = await bundleSize('eventsource-kit (whole index)')
    bundleNotes['eventsource-kit (whole index)'] = `${whole.gzip} B min+gz, ${whole.minified} B minified`
  }
}

// ---------------------------------------------------------------- the report

const report = {
  date: started.toISOString(),
  machine,
  loadAverage: { before: loadBefore, after: os.loadavg() },
  rounds,
  nodeFlags: NODE_FLAGS,
  quick: args.quick,
  check: args.check,
  pinned: args.pin,
  params,
  versions,
  notes: NOTES,
  scenarios: {},
}

for (const [scenario, info] of Object.entries(SCENARIOS)) {
  const values = samples[scenario]
  const failed = failures[scenario] ?? {}
  if (values === undefined && Object.keys(failed).length === 0) continue
  const result = (report.scenarios[scenario] = {})
  for (const client of clients) {
    const got = values?.[client]
    if (got === undefined || got.length === 0) {
      const reason = failed[client]?.[0]
      if (reason !== undefined) result[client] = { skipped: true, reason, unit: info.unit }
      continue
    }
    const entry = { median: median(got), unit: info.unit, rounds: got, spread: spread(got) }
    const details = extra[scenario]?.[client]
    if (details?.[0]?.mbPerSec !== undefined) entry.mbPerSec = median(details.map((d) => d.mbPerSec))
    if (details?.[0]?.cpuNsPerEvent !== undefined) entry.cpuNsPerEvent = median(details.map((d) => d.cpuNsPerEvent))
    if (details?.[0]?.minified !== undefined) entry.minified = details[0].minified
    if (failed[client]) entry.failedRounds = failed[client]
    result[client] = entry
  }
  for (const client of Object.keys(result)) {
    const entry = result[client]
    if (entry.skipped) continue
    for (const [key, ref] of [
      ['ratioToFloor', 'floor'],
      ['ratioToEventsource', 'eventsource'],
    ]) {
      const base = result[ref]
      if (base !== undefined && !base.skipped) entry[key] = entry.median / base.median
    }
  }
}
if (serverCheck.small.length + serverCheck.large.length > 0) {
  report.serverCheck = {}
  for (const kind of ['small', 'large']) {
    const list = serverCheck[kind]
    if (list.length === 0) continue
    const floor = report.scenarios[`${kind}-events`]?.floor
    const eventsPerSec = median(list.map((r) => r.eventsPerSec))
    report.serverCheck[kind] = {
      eventsPerSec,
      mbPerSec: median(list.map((r) => r.mbPerSec)),
      ratioToFloor: floor?.median ? eventsPerSec / floor.median : undefined,
    }
  }
}
report.bundleNotes = bundleNotes

// Goals of issue 7, for the EventSource and for fetchEvents.
const goals = []
const s = report.scenarios
const get = (scenario, client) => (s[scenario]?.[client]?.skipped ? undefined : s[scenario]?.[client])
for (const client of ['eventsource-kit', 'eventsource-kit/fetchEvents', 'eventsource-kit/lite']) {
  const check = (name, scenario, test, show) => {
    const entry = get(scenario, client)
    const floor = get(scenario, 'floor')
    const es = get(scenario, 'eventsource')
    if (entry === undefined) return
    const met = test(entry, floor, es)
    if (met === undefined) return
    goals.push({ client, goal: name, met, figure: show(entry, floor, es) })
  }
  const x = (n) => (n === undefined ? '?' : `${n.toFixed(2)}×`)
  // Throughput goals also show the same ratio by client CPU time, which a busy machine disturbs less.
  const byCpu = (e, ref) => (e.cpuNsPerEvent && ref?.cpuNsPerEvent ? ` (by CPU per event: ${(ref.cpuNsPerEvent / e.cpuNsPerEvent).toFixed(2)}×)` : '')
  check('small events ≥ 1.3× eventsource', 'small-events', (e) => e.ratioToEventsource && e.ratioToEventsource >= 1.3, (e, f, es) => x(e.ratioToEventsource) + byCpu(e, es))
  check('small events ≥ 0.9× floor', 'small-events', (e) => e.ratioToFloor && e.ratioToFloor >= 0.9, (e, f) => x(e.ratioToFloor) + byCpu(e, f))
  check('large events ≥ eventsource', 'large-events', (e) => e.ratioToEventsource && e.ratioToEventsource >= 1, (e, f, es) => x(e.ratioToEventsource) + byCpu(e, es))
  check('large events ≥ 0.9× floor', 'large-events', (e) => e.ratioToFloor && e.ratioToFloor >= 0.9, (e, f) => x(e.ratioToFloor) + byCpu(e, f))
  check('latency p50 within 10% of floor', 'latency-p50', (e) => e.ratioToFloor && e.ratioToFloor <= 1.1, (e) => x(e.ratioToFloor))
  check(
    'idle heap within 2 KiB/connection of floor',
    'idle-heap',
    (e, f) => (f ? e.median - f.median <= 2048 : undefined),
    (e, f) => `${f ? ((e.median - f.median) / 1024).toFixed(2) : '?'} KiB over floor`,
  )
  if (client !== 'eventsource-kit/fetchEvents') {
    check('bundle of EventSource ≤ 4.0 kB min+gz', 'bundle-size', (e) => e.median <= 4000, (e) => `${e.median} B`)
  }
}

// Goals of issue 21 (the Node transport), against this library on fetch and
// the floor in the same run.
{
  const ratio = (scenario, client, ref) => {
    const a = get(scenario, client)
    const b = get(scenario, ref)
    return a && b ? a.median / b.median : undefined
  }
  const goal = (client, name, value, met, figure) => {
    if (value !== undefined) goals.push({ client, goal: name, met: met(value), figure: figure(value) })
  }
  const kib = (v) => `${(v / 1024).toFixed(2)} KiB`
  const x = (v) => `${v.toFixed(2)}×`
  for (const client of ['eventsource-kit+node', 'eventsource-kit/fetchEvents+node', 'eventsource-kit+light', 'eventsource-kit/fetchEvents+light']) {
    const today = client.startsWith('eventsource-kit/fetchEvents') ? 'eventsource-kit/fetchEvents' : 'eventsource-kit'
    const count = (k) => k.toLocaleString('en')
    goal(client, `idle heap ≤ 10 KiB/stream over HTTP/1.1 (${count(params.idleConnections)} streams)`, get('idle-heap', client)?.median, (v) => v <= 10240, kib)
    goal(client, `idle heap ≤ 10 KiB/stream over HTTP/1.1 (${count(params.streams)} streams)`, get('streams-heap', client)?.median, (v) => v <= 10240, kib)
    goal(client, `small events ≥ 1.2× ${today} on fetch`, ratio('small-events', client, today), (v) => v >= 1.2, x)
    goal(client, 'small events ≥ 0.7× the fetch floor', ratio('small-events', client, 'floor'), (v) => v >= 0.7, x)
    goal(client, `large events ≥ 1.2× ${today} on fetch`, ratio('large-events', client, today), (v) => v >= 1.2, x)
  }
  for (const client of H2_CLIENTS.filter((c) => clients.includes(c))) {
    goal(client, 'idle heap ≤ 4 KiB per extra stream on one HTTP/2 session', get('streams-heap', client)?.median, (v) => v <= 4096, kib)
  }
  for (const client of STREAM_CLIENTS) {
    if (client === 'floor') continue
    goal(client, `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: RSS ≤ 500 MB`, get('tick-rss', client)?.median, (v) => v <= 500e6, (v) => `${(v / 1e6).toFixed(0)} MB`)
    goal(client, `${params.tickStreams.toLocaleString('en')} streams × 1 event/s: every event delivered`, get('tick-lost', client)?.median, (v) => v === 0, (v) => `${v} lost`)
  }
}
report.goals = goals

// What the references say about the goals against the floor: the ratio the
// least client of each kind reaches in the same run.
const bounds = []
for (const [reference, surface] of Object.entries(BOUNDS)) {
  const figures = []
  for (const [scenario, name] of [
    ['small-events', 'small events'],
    ['large-events', 'large events'],
    ['latency-p50', 'latency p50'],
  ]) {
    const ratio = get(scenario, reference)?.ratioToFloor
    if (ratio !== undefined) figures.push(`${name} ${ratio.toFixed(2)}×`)
  }
  if (figures.length > 0) bounds.push({ reference, surface, figures })
}
report.bounds = bounds

mkdirSync(`${root}/reports`, { recursive: true })
const out = args.out.startsWith('/') ? args.out : `${root}/${args.out}`
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`)

// ---------------------------------------------------------------- the table

function formatValue(scenario, entry) {
  if (entry === undefined) return '—'
  if (entry.skipped) return 'skipped'
  const v = entry.median
  switch (scenario) {
    case 'small-events':
    case 'large-events': {
      const events = v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : v >= 1e4 ? `${(v / 1e3).toFixed(0)} k/s` : `${v.toFixed(0)}/s`
      return `${events} (${entry.mbPerSec.toFixed(0)} MB/s)`
    }
    case 'latency-p50':
    case 'latency-p99':
      return `${v.toFixed(0)} µs`
    case 'idle-heap':
    case 'idle-rss':
    case 'streams-heap':
    case 'streams-rss':
      return `${(v / 1024).toFixed(1)} KiB`
    case 'tick-cpu':
      return `${v.toFixed(1)} %`
    case 'tick-p50':
    case 'tick-p99':
      return `${v.toFixed(2)} ms`
    case 'tick-rss':
      return `${(v / 2 ** 20).toFixed(0)} MiB`
    case 'tick-lost':
      return String(v)
    case 'bundle-size':
      return `${(v / 1000).toFixed(2)} kB`
    default:
      return String(v)
  }
}

const header = ['', ...clients]
const rows = []
for (const [scenario, info] of Object.entries(SCENARIOS)) {
  const result = s[scenario]
  if (result === undefined) continue
  const noise = Math.max(0, ...clients.map((c) => result[c]?.spread ?? 0))
  const label = `**${info.title}** (${info.higher ? 'higher' : 'lower'} is better${rounds > 1 && scenario !== 'bundle-size' ? `; spread ≤ ${(noise * 100).toFixed(0)}%` : ''})`
  rows.push([label, ...clients.map((c) => formatValue(scenario, result[c]))])
  for (const [key, name] of [
    ['ratioToFloor', '× floor'],
    ['ratioToEventsource', '× eventsource'],
  ]) {
    rows.push([`↳ ${name}`, ...clients.map((c) => (result[c]?.[key] === undefined ? '' : `${result[c][key].toFixed(2)}`))])
  }
  if (clients.some((c) => result[c]?.cpuNsPerEvent !== undefined)) {
    const floorCpu = result.floor?.cpuNsPerEvent
    rows.push([
      '↳ client CPU per event (× floor)',
      ...clients.map((c) => {
        const cpu = result[c]?.cpuNsPerEvent
        if (cpu === undefined) return ''
        const shown = cpu >= 10_000 ? `${(cpu / 1000).toFixed(0)} µs` : `${cpu.toFixed(0)} ns`
        return floorCpu ? `${shown} (${(cpu / floorCpu).toFixed(2)})` : shown
      }),
    ])
  }
}
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')

const latencyClients = clients.filter((client) => runsIn(client, 'latency')).length
const describe = [
  `${started.toISOString().slice(0, 10)}, ${machine.cpu} (${machine.cores} cores), ${machine.os}, Node ${machine.node}.`,
  `${rounds} rounds${args.quick ? ' (--quick)' : ''}${args.check ? ' (--check: tiny streams, figures meaningless)' : ''}${args.pin ? ', server pinned to CPU 0 and clients to CPU 1' : ''}${NODE_FLAGS.length > 0 ? `, workers run with ${NODE_FLAGS.join(' ')}` : ''}, medians; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${report.loadAverage.after.map((l) => l.toFixed(2)).join(' ')} after.`,
  `Streams: ${params.smallEvents.toLocaleString('en')} small / ${params.largeEvents.toLocaleString('en')} large events after a quarter-size warm-up; latency: ${params.latencyRuns} run(s) per round with every client at once, ${params.latencyEvents} events each, written to one client at a time every ${Math.max(2, Math.round(params.latencyInterval / latencyClients))} ms in turn; idle: ${params.idleConnections.toLocaleString('en')} connections; many streams: ${params.streams.toLocaleString('en')} idle streams, then ${params.tickStreams.toLocaleString('en')} streams × 1 event/s measured over ${params.tickSeconds} s, ${streamRounds} round(s), each client in its own process, the server in another.`,
].join('\n')

const lines = []
lines.push(describe, '', table, '')
if (report.serverCheck) {
  const parts = Object.entries(report.serverCheck).map(
    ([kind, r]) => `${kind} ${r.mbPerSec.toFixed(0)} MB/s${r.ratioToFloor ? ` (${r.ratioToFloor.toFixed(2)}× the floor)` : ''}`,
  )
  lines.push(`Server alone (a raw socket reading the same streams): ${parts.join(', ')}.`)
}
lines.push('', 'Clients:')
for (const client of clients) lines.push(`- \`${client}\`: ${NOTES[client].replace('VERSION', versions[client])}`)
if (Object.keys(bundleNotes).length > 0) {
  lines.push('', 'Bundles (esbuild, minified ESM with dependencies, gzip -9):')
  for (const [name, note] of Object.entries(bundleNotes)) lines.push(`- \`${name}\`: ${note}`)
}
const skipped = []
for (const [scenario, result] of Object.entries(s)) {
  for (const [client, entry] of Object.entries(result)) {
    if (entry.skipped) skipped.push(`- ${scenario} / ${client}: skipped — ${entry.reason}`)
    else if (entry.failedRounds) skipped.push(`- ${scenario} / ${client}: ${entry.failedRounds.length} round(s) failed — ${entry.failedRounds[0]}`)
  }
}
if (skipped.length > 0) lines.push('', 'Failures:', ...skipped)
if (goals.length > 0) {
  lines.push('', 'Goals (issues 7 and 21):')
  for (const g of goals) lines.push(`- ${g.met ? 'met   ' : 'MISSED'} ${g.client}: ${g.goal} — ${g.figure}`)
}
if (bounds.length > 0) {
  lines.push('', 'References, × the floor (the least that each kind of client adds to it, same run):')
  for (const b of bounds) lines.push(`- \`${b.reference}\`, the least ${b.surface} adds: ${b.figures.join(', ')}`)
}
const text = lines.join('\n')
writeFileSync(out.replace(/\.json$/, '.md'), `${text}\n`)
console.log(`\n${text}\n\nWrote ${out} and ${out.replace(/\.json$/, '.md')} in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.`)
