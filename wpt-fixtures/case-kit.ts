// The small harness the ported cases are written against. It is portable on purpose: no Node
// imports, so the very same case code runs in Node and, bundled by esbuild, in a Chromium page
// against either this project's EventSource or the browser's own.

/** What the cases need of an EventSource class: the WHATWG interface (DOM lib typing). */
export type EventSourceClass = typeof globalThis.EventSource

export interface CaseEnv {
  EventSource: EventSourceClass
  /** Primary origin, e.g. `http://127.0.0.1:8000`; a browser page runs on it. */
  base: string
  /** Second origin (another port), for the cross-origin cases. */
  remote: string
}

/** Thrown by `t.skip()`: the feature under test is absent, so the case must not count as passed. */
export class Skip extends Error {
  override readonly name = 'Skip'
}

export interface Case {
  /** `<upstream test file>[ <subtest>]`, so a result traces back to WPT. */
  name: string
  /** Path of the upstream test in WPT, e.g. `eventsource/format-bom.any.js`. */
  upstream: string
  /** Own timeout; the default suits cases that need no reconnect delay. */
  timeout?: number
  run(t: TestContext): Promise<void>
}

export const DEFAULT_TIMEOUT = 8000

/** One entry per event seen: `open`, `error:<readyState>`, or `<type>:<data>|<lastEventId>`. */
export type LogEntry = string

export class TestContext implements CaseEnv {
  readonly EventSource: EventSourceClass
  readonly base: string
  readonly remote: string
  readonly #opened: EventSource[] = []
  readonly logs: EventLog[] = []

  constructor(env: CaseEnv) {
    this.EventSource = env.EventSource
    this.base = env.base
    this.remote = env.remote
  }

  /** Resolves `path` the way an upstream test in `/eventsource/` does (`resources/message.py`). */
  url(path: string, origin = this.base): string {
    return new URL(path, `${origin}/eventsource/`).href
  }

  /** A new EventSource that is closed when the case ends, pass or fail, so nothing reconnects on. */
  open(url: string, init?: EventSourceInit): EventSource {
    return this.track(new this.EventSource(url, init))
  }

  /** Closes `source` when the case ends (for sources made some other way). */
  track<T extends EventSource>(source: T): T {
    this.#opened.push(source)
    return source
  }

  /** Records every `open`, `error` and event of `types` on `source`, in dispatch order. */
  log(source: EventSource, types: string[] = ['message']): EventLog {
    const log = new EventLog(source, types)
    this.logs.push(log)
    return log
  }

  skip(reason: string): never {
    throw new Skip(reason)
  }

  closeAll(): void {
    for (const source of this.#opened) source.close()
  }
}

export class EventLog {
  readonly entries: LogEntry[] = []
  /** `performance.now()` of each entry, for the timing cases. */
  readonly times: number[] = []
  /** The events themselves, for assertions on their attributes. */
  readonly events: Event[] = []
  readonly #waiters: Array<() => void> = []

  constructor(source: EventSource, types: string[]) {
    const record = (entry: LogEntry, event: Event): void => {
      this.entries.push(entry)
      this.times.push(performance.now())
      this.events.push(event)
      for (const wake of this.#waiters.splice(0)) wake()
    }
    source.addEventListener('open', (e) => record('open', e))
    source.addEventListener('error', (e) => record(`error:${source.readyState}`, e))
    for (const type of new Set(types)) {
      source.addEventListener(type, (e) => {
        const m = e as MessageEvent<string>
        record(`${type}:${m.data}|${m.lastEventId}`, e)
      })
    }
  }

  /** Resolves once `done(entries)` holds; the case's timeout bounds the wait. */
  async until(done: (entries: LogEntry[]) => boolean): Promise<LogEntry[]> {
    while (!done(this.entries)) await new Promise<void>((wake) => this.#waiters.push(wake))
    return this.entries
  }

  /** Resolves at the first `error` whose readyState is `state` (0 = reconnecting, 2 = failed). */
  untilError(state: 0 | 2): Promise<LogEntry[]> {
    return this.until((entries) => entries.includes(`error:${state}`))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** JSON with NUL and other controls visible, so a failure message shows the exact characters. */
export const show = (value: unknown): string => JSON.stringify(value) ?? String(value)

export function assertEquals(actual: unknown, expected: unknown, what: string): void {
  if (show(actual) !== show(expected)) throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`)
}

export function assert(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(what)
}

/** An expected log entry for a message event of `type` (default `message`). */
export const msg = (data: string, lastEventId = '', type = 'message'): LogEntry => `${type}:${data}|${lastEventId}`

export type Outcome = { status: 'pass' } | { status: 'fail'; message: string } | { status: 'skip'; message: string }

/** Runs one case with its own timeout; never rejects. */
export async function runCase(c: Case, env: CaseEnv): Promise<Outcome> {
  const t = new TestContext(env)
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = c.timeout ?? DEFAULT_TIMEOUT
  try {
    await Promise.race([
      c.run(t),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms`)), timeout)
      }),
    ])
    return { status: 'pass' }
  } catch (error) {
    if (error instanceof Skip) return { status: 'skip', message: error.message }
    // What the sources saw is the first thing one needs to read a failure (above all a timeout).
    const seen = t.logs.map((log) => show(log.entries)).join(' ')
    // Our error events say why (a browser's say nothing): the cause of an unexpected one.
    const why = t.logs
      .flatMap((log) => log.events)
      .map((event) => (event.type === 'error' ? (event as Event & { message?: unknown }).message : undefined))
      .filter((text): text is string => typeof text === 'string')
    const message = error instanceof Error ? error.message : String(error)
    const detail = `${seen === '' ? '' : `; events seen: ${seen}`}${why.length === 0 ? '' : `; error messages: ${show(why)}`}`
    return { status: 'fail', message: `${message}${detail}` }
  } finally {
    clearTimeout(timer)
    t.closeAll()
  }
}
