/**
 * `npm run soak`: the resume soak and the leak cycles of issue 6.
 *
 * A server emits events 1..N with ids, resumes after `Last-Event-ID`, and
 * cuts the connection hundreds of times at random byte offsets (see
 * ./numbered-server.ts). `EventSource` and then `fetchEvents()` must deliver
 * every event exactly once, in order, with the right data. Then thousands of
 * open/close cycles and reconnects must leave the heap and the process's
 * handles as they were. The figures are printed and written to
 * reports/soak.json; the exit code is 1 when any criterion fails.
 *
 * Environment: SOAK_EVENTS (default 100000), SOAK_SEED (default random,
 * printed), SOAK_LEAK_CYCLES (default 2000), SOAK_RECONNECTS (default 2000).
 * SOAK_REPORT (a path; default reports/soak.json).
 * SOAK_SABOTAGE=drop-last-event-id strips the header from every request, to
 * show that the tally does catch a client that cannot resume (it must FAIL).
 * Run with --expose-gc (the npm script does) for exact heap figures.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
// The Node entry, as `import 'eventsource-kit'` gives on Node: every client runs on the Node
// transport (the default) and then on Node's fetch (`transport: 'fetch'`).
import { EventSource, fetchEvents } from '../src/index.node.js'
import { nodeFetch } from '../src/node-transport/index.js'
import { getGc, runLeakCycles, settledHeap, type LeakReport } from './leak-cycles.js'
import { payloadOf, startSoakServer, typeOf, type SoakServerStats } from './numbered-server.js'

const TOTAL = Number(process.env.SOAK_EVENTS ?? 100_000)
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31))
const SABOTAGE = process.env.SOAK_SABOTAGE
const LEAK_CYCLES = Number(process.env.SOAK_LEAK_CYCLES ?? 2000)
const RECONNECTS = Number(process.env.SOAK_RECONNECTS ?? 2000)
/** Where the figures go; test/node/soak.test.ts (a smaller soak in `npm test`) keeps them apart. */
const REPORT = new URL(process.env.SOAK_REPORT ?? '../reports/soak.json', import.meta.url)
/** No new event (duplicates do not count) for this long means the client is stuck: stop and report what arrived. */
const STALL_MS = 15_000
/** The bars of issue 6's "done when". */
const MIN_EVENTS = 100_000
const MIN_CUTS = 500
const MAX_LEAK_GROWTH = 1024 * 1024

const gc = getGc()

/** Counts every delivered event against the numbers the server sent. */
class Tally {
  readonly #seen: Uint8Array
  received = 0
  unique = 0
  duplicated = 0
  outOfOrder = 0
  corrupted = 0
  #expected = 1
  #firstProblem: string | undefined
  readonly total: number

  constructor(total: number) {
    this.total = total
    this.#seen = new Uint8Array(total + 1)
  }

  record(type: string, data: string, lastEventId: string): void {
    this.received++
    const n = Number(lastEventId)
    if (!Number.isInteger(n) || n < 1 || n > this.total) {
      this.corrupted++
      this.#note(`event with lastEventId ${JSON.stringify(lastEventId)}`)
      return
    }
    if (data !== payloadOf(n) || type !== typeOf(n)) {
      this.corrupted++
      this.#note(`event ${n}: type ${type}, data ${JSON.stringify(data.slice(0, 80))}`)
    }
    if (this.#seen[n] === 1) {
      this.duplicated++
      this.#note(`event ${n} delivered twice`)
      return
    }
    this.#seen[n] = 1
    this.unique++
    if (n !== this.#expected) {
      this.outOfOrder++
      this.#note(`event ${n} arrived when ${this.#expected} was next`)
    }
    this.#expected = Math.max(this.#expected, n + 1)
  }

  #note(problem: string): void {
    this.#firstProblem ??= problem
  }

  summary(): { received: number; lost: number; duplicated: number; outOfOrder: number; corrupted: number; firstProblem: string | null } {
    return {
      received: this.received,
      lost: this.total - this.unique,
      duplicated: this.duplicated,
      outOfOrder: this.outOfOrder,
      corrupted: this.corrupted,
      firstProblem: this.#firstProblem ?? null,
    }
  }
}

/** Samples the heap often enough to catch a peak that one event's processing makes. */
function heapSampler(): { stop(): number } {
  let peak = process.memoryUsage().heapUsed
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 10)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage().heapUsed)
    },
  }
}

type Transport = 'node' | 'fetch'

export interface ClientReport {
  client: 'EventSource' | 'fetchEvents'
  transport: Transport
  sent: number
  received: number
  lost: number
  duplicated: number
  outOfOrder: number
  corrupted: number
  firstProblem: string | null
  /** Connections the server broke, by how; each one the client had to survive. */
  cuts: number
  cutsByKind: SoakServerStats['cutsByKind']
  requests: number
  framesWrittenIncludingResends: number
  badLastEventIds: number
  /** `error` events (EventSource) seen while reconnecting. */
  reconnectErrors: number
  stalled: boolean
  durationMs: number
  eventsPerSecond: number
  peakHeapBytes: number
  heapGrowthBytes: number
}

/** Resolves when `done()` says so, or after STALL_MS without progress. */
function untilDoneOrStalled(progress: () => number, done: () => boolean): { promise: Promise<boolean>; check(): void } {
  let resolve: (stalled: boolean) => void = () => {}
  const promise = new Promise<boolean>((r) => (resolve = r))
  let last = progress()
  const timer = setInterval(() => {
    const now = progress()
    if (now === last) {
      clearInterval(timer)
      resolve(true)
    }
    last = now
  }, STALL_MS)
  return {
    promise,
    check() {
      if (done()) {
        clearInterval(timer)
        resolve(false)
      }
    },
  }
}

async function soak(client: ClientReport['client'], transport: Transport): Promise<ClientReport> {
  const server = await startSoakServer({
    total: TOTAL,
    seed: SEED + (client === 'EventSource' ? 0 : 1),
    mode: client === 'EventSource' ? 'any' : 'resumable-only',
    maxEventsPerResponse: 300,
  })
  const tally = new Tally(TOTAL)
  const heapBefore = await settledHeap(gc)
  const sampler = heapSampler()
  const started = performance.now()
  let reconnectErrors = 0
  let stalled = false
  // The initial reconnection time is short too: a cut before the first
  // `retry:` field must not cost the default 3 s.
  const retry = { delay: 2 }
  const viaTransport = transport === 'node' ? nodeFetch : fetch
  const sabotage: { fetch?: typeof fetch; transport: 'auto' | 'fetch' } =
    SABOTAGE === 'drop-last-event-id'
      ? {
          transport: 'auto',
          fetch: (input, init) => {
            const headers = new Headers(init?.headers)
            headers.delete('last-event-id')
            return viaTransport(input instanceof URL ? input.href : input, { ...init, headers })
          },
        }
      : { transport: transport === 'node' ? 'auto' : 'fetch' }

  if (client === 'EventSource') {
    const source = new EventSource(server.url, { retry, ...sabotage })
    const waiter = untilDoneOrStalled(
      () => tally.unique,
      () => tally.unique === TOTAL,
    )
    const onMessage = (event: MessageEvent<string>): void => {
      tally.record(event.type, event.data, event.lastEventId)
      waiter.check()
    }
    source.addEventListener('message', onMessage)
    source.addEventListener('tick', onMessage)
    source.addEventListener('error', (event) => {
      reconnectErrors++
      if (!event.willReconnect) console.error(`EventSource failed: ${event.message}`)
    })
    stalled = await waiter.promise
    source.close()
  } else {
    const controller = new AbortController()
    const waiter = untilDoneOrStalled(
      () => tally.unique,
      () => false,
    )
    void waiter.promise.then((isStalled) => {
      stalled = isStalled
      controller.abort()
    })
    try {
      for await (const event of fetchEvents(server.url, { retry, signal: controller.signal, ...sabotage })) {
        tally.record(event.type, event.data, event.lastEventId)
      }
    } catch (error) {
      if (!controller.signal.aborted) console.error(`fetchEvents threw: ${String(error)}`)
    }
    // Stops the stall timer: the iteration is over either way.
    waiter.check = () => {}
    controller.abort()
  }

  const durationMs = performance.now() - started
  const peakHeapBytes = sampler.stop()
  await server.close()
  const heapAfter = await settledHeap(gc)
  const summary = tally.summary()
  return {
    client,
    transport,
    sent: TOTAL,
    ...summary,
    cuts: server.stats.cuts,
    cutsByKind: server.stats.cutsByKind,
    requests: server.stats.requests,
    framesWrittenIncludingResends: server.stats.framesWritten,
    badLastEventIds: server.stats.badLastEventIds,
    reconnectErrors,
    stalled,
    durationMs: Math.round(durationMs),
    eventsPerSecond: Math.round(summary.received / (durationMs / 1000)),
    peakHeapBytes,
    heapGrowthBytes: heapAfter - heapBefore,
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`

function print(report: ClientReport): void {
  console.log(`\n${report.client} on ${report.transport === 'node' ? 'the Node transport' : "Node's fetch"}`)
  console.log(`  events sent ${report.sent}, received ${report.received}, lost ${report.lost}, duplicated ${report.duplicated}, out of order ${report.outOfOrder}, corrupted ${report.corrupted}`)
  console.log(`  connection cuts survived ${report.cuts} over ${report.requests} requests: ${JSON.stringify(report.cutsByKind)}`)
  console.log(`  ${report.durationMs} ms, ${report.eventsPerSecond} events/s, peak heap ${mb(report.peakHeapBytes)}, heap growth ${mb(report.heapGrowthBytes)}`)
  if (report.firstProblem !== null) console.log(`  first problem: ${report.firstProblem}`)
  if (report.stalled) console.log(`  STALLED: no event for ${STALL_MS} ms`)
}

function clientPasses(report: ClientReport): boolean {
  return (
    report.lost === 0 &&
    report.duplicated === 0 &&
    report.outOfOrder === 0 &&
    report.corrupted === 0 &&
    report.badLastEventIds === 0 &&
    !report.stalled &&
    report.cuts >= MIN_CUTS
  )
}

console.log(`soak: ${TOTAL} events per client, seed ${SEED} (replay with SOAK_SEED=${SEED})`)
const eventSource = await soak('EventSource', 'node')
print(eventSource)
const fetched = await soak('fetchEvents', 'node')
print(fetched)
const eventSourceOnFetch = await soak('EventSource', 'fetch')
print(eventSourceOnFetch)
const fetchedOnFetch = await soak('fetchEvents', 'fetch')
print(fetchedOnFetch)

console.log(`\nleak cycles: ${LEAK_CYCLES} EventSource and ${LEAK_CYCLES} fetchEvents open/close cycles, ${RECONNECTS} reconnects`)
const leaks: LeakReport = await runLeakCycles({ openClose: LEAK_CYCLES, reconnects: RECONNECTS })
console.log(`  heap ${mb(leaks.heapBeforeBytes)} → ${mb(leaks.heapAfterBytes)}: growth ${mb(leaks.heapGrowthBytes)} in ${leaks.durationMs} ms`)
console.log(`  handles left over after close(): ${JSON.stringify(leaks.handlesLeftOver)}`)

const pass =
  clientPasses(eventSource) &&
  clientPasses(fetched) &&
  clientPasses(eventSourceOnFetch) &&
  clientPasses(fetchedOnFetch) &&
  TOTAL >= MIN_EVENTS &&
  leaks.heapGrowthBytes < MAX_LEAK_GROWTH &&
  Object.keys(leaks.handlesLeftOver).length === 0

const report = {
  date: new Date().toISOString(),
  runtime: `node ${process.version}`,
  seed: SEED,
  criteria: { minEvents: MIN_EVENTS, minCuts: MIN_CUTS, maxLeakHeapGrowthBytes: MAX_LEAK_GROWTH },
  pass,
  // On the Node transport, the default on Node.
  eventSource,
  fetchEvents: fetched,
  onFetch: { eventSource: eventSourceOnFetch, fetchEvents: fetchedOnFetch },
  leaks,
}
await mkdir(new URL('./', REPORT), { recursive: true })
// The `tabs` key is written by test/node/tabs.test.ts (many tabs in Chromium): kept.
const previous = await readFile(REPORT, 'utf8').then(
  (text) => JSON.parse(text) as { tabs?: unknown },
  () => ({}) as { tabs?: unknown },
)
await writeFile(REPORT, `${JSON.stringify({ ...report, ...(previous.tabs === undefined ? {} : { tabs: previous.tabs }) }, null, 2)}\n`)
console.log(`\n${pass ? 'PASS' : 'FAIL'}: ${REPORT.pathname} written`)
process.exitCode = pass ? 0 : 1
