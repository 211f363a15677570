// Client-side helpers: build script URLs for the SSE test server, read back
// what it saw, and wait for events. Only web-platform APIs are used here
// (fetch, URL, atob, TextEncoder/TextDecoder, EventTarget, performance), so the
// test files that use them can later run in any runtime or a browser page.

import type { Attempt, LoggedRequest, RequestLog, Script } from './script-types.js'

export type { Attempt, Chunk, LoggedRequest, Script } from './script-types.js'

/** Generous default wait for anything that should happen "soon": long enough
 *  for a loaded CI machine, short enough that a missing event fails the test
 *  well before vitest's own 20 s timeout. */
export const EVENT_TIMEOUT_MS = 5_000

let keyCounter = 0

/** A key no other test uses, so logs and attempt counters never mix even when
 *  files run in parallel against the one server. */
export function uniqueKey(label: string): string {
  keyCounter += 1
  const random = Math.random().toString(36).slice(2, 10)
  return `${label}-${keyCounter}-${random}`
}

function base64UrlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function base64Decode(base64: string): Uint8Array {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * How many times this runtime's fetch sends a request again by itself when the
 * server destroys a fresh connection before any response. Deno's does it once
 * (when the body can be replayed, so not for a ReadableStream body); Node,
 * Bun and Chromium do not (they resend only on a reused keep-alive connection,
 * and the test server closes every connection after one response). The test
 * server's self-test (sse-server.test.ts) checks this on every runtime.
 */
export const FETCH_RESENDS: number = 'Deno' in globalThis ? 1 : 0

/**
 * Whether the tests run in a browser (a page or any kind of worker), where fetch() is the
 * browser's: it sets Origin and CORS headers itself, buffers bodies ahead of the reader and
 * streams a request body only over HTTP/2. workerd also has a `WorkerGlobalScope`, but its fetch
 * is a server's (navigator.userAgent is `Cloudflare-Workers` there).
 */
export const IN_BROWSER: boolean =
  ('document' in globalThis || 'WorkerGlobalScope' in globalThis) && globalThis.navigator?.userAgent !== 'Cloudflare-Workers'

/** A `destroyBeforeHeaders` attempt with `resends` left unset gets this
 *  runtime's FETCH_RESENDS, so that each such attempt reaches the client as
 *  exactly one network error wherever the test runs. */
function withResends(attempt: Attempt): Attempt {
  return attempt.destroyBeforeHeaders === true && attempt.resends === undefined ? { ...attempt, resends: FETCH_RESENDS } : attempt
}

/** The URL whose request n is answered by attempt n of `script`. */
export function scriptUrl(origin: string, key: string, script: Script): string {
  const portable: Script = Array.isArray(script)
    ? script.map(withResends)
    : { attempts: script.attempts.map(withResends), ...(script.then === undefined ? {} : { then: withResends(script.then) }) }
  return `${origin}/script/${encodeURIComponent(key)}?s=${base64UrlEncode(JSON.stringify(portable))}`
}

export interface LogQuery {
  /** Wait until at least this many requests were logged. */
  min?: number
  /** Wait until at least this many connections were closed (by either side). */
  closed?: number
  /** Server-side wait limit in ms; the log is returned as-is when it expires. */
  timeout?: number
  /** `min` and `closed` count connection attempts only, not CORS preflights
   *  (`attempts()` sets it). */
  attemptsOnly?: boolean
}

/** Every request the server saw for `key`, including CORS preflights. The
 *  server long-polls until `query` holds (or its timeout), so tests wait for
 *  a request without sleeping. */
export async function requestLog(origin: string, key: string, query: LogQuery = {}): Promise<LoggedRequest[]> {
  const params = new URLSearchParams()
  if (query.min !== undefined) params.set('min', String(query.min))
  if (query.closed !== undefined) params.set('closed', String(query.closed))
  if (query.attemptsOnly === true) params.set('attempts', '1')
  params.set('timeout', String(query.timeout ?? EVENT_TIMEOUT_MS))
  const response = await fetch(`${origin}/log/${encodeURIComponent(key)}?${params.toString()}`, { cache: 'no-store' })
  if (!response.ok) throw new Error(`log request failed: ${response.status}`)
  const log = (await response.json()) as RequestLog
  return log.requests
}

/** Requests that are connection attempts (preflights, and the runtime's own
 *  resends of a destroyed attempt, left out). */
export async function attempts(origin: string, key: string, query: LogQuery = {}): Promise<LoggedRequest[]> {
  return (await requestLog(origin, key, { ...query, attemptsOnly: true })).filter((r) => r.method !== 'OPTIONS' && r.resend !== true)
}

/** Releases every `{await: name}` chunk of `key`, now and later. */
export async function signal(origin: string, key: string, name: string): Promise<void> {
  const response = await fetch(`${origin}/signal/${encodeURIComponent(key)}?name=${encodeURIComponent(name)}`, {
    cache: 'no-store',
  })
  if (response.status !== 204) throw new Error(`signal failed: ${response.status}`)
}

/** The raw bytes of the first header called `name` (case-insensitive), or null. */
export function headerBytes(request: LoggedRequest, name: string): Uint8Array | null {
  const found = request.rawHeaders.find(([n]) => n.toLowerCase() === name.toLowerCase())
  return found === undefined ? null : base64Decode(found[1])
}

/** The first header called `name`, decoded as UTF-8, or null. */
export function header(request: LoggedRequest, name: string): string | null {
  const bytes = headerBytes(request, name)
  return bytes === null ? null : new TextDecoder().decode(bytes)
}

/** Every header called `name` (a client must not send duplicates). */
export function headerCount(request: LoggedRequest, name: string): number {
  return request.rawHeaders.filter(([n]) => n.toLowerCase() === name.toLowerCase()).length
}

/** Plain timer. Only for asserting that something does NOT happen within a
 *  window; anything expected to happen is awaited through an event instead. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves with the next `type` event on `target`, rejects after `timeout`. */
export function waitForEvent(target: EventTarget, type: string, timeout = EVENT_TIMEOUT_MS): Promise<Event> {
  return new Promise((resolve, reject) => {
    const onEvent = (event: Event): void => {
      clearTimeout(timer)
      resolve(event)
    }
    const timer = setTimeout(() => {
      target.removeEventListener(type, onEvent)
      reject(new Error(`no "${type}" event within ${timeout} ms`))
    }, timeout)
    target.addEventListener(type, onEvent, { once: true })
  })
}

/** The subset of an EventSource the recorder reads, so helpers type-check
 *  against any implementation. */
export interface EventSourceLike extends EventTarget {
  readonly readyState: number
}

export interface Recorded {
  type: string
  /** `readyState` of the source while the event was being dispatched. */
  readyState: number
  /** `performance.now()` at dispatch. */
  at: number
  event: Event
  /** Set for MessageEvents only. */
  data?: unknown
  lastEventId?: string
  origin?: string
}

export interface Recorder {
  readonly events: Recorded[]
  /** `type "data" @readyState` per event: order assertions with readable diffs. */
  summary(): string[]
  /** Resolves once `count` events were recorded in total. */
  waitFor(count: number, timeout?: number): Promise<Recorded[]>
  /** Resolves once an event of `type` was recorded (including earlier ones);
   *  `nth` counts from 1. */
  waitForType(type: string, nth?: number, timeout?: number): Promise<Recorded>
  stop(): void
}

export function describeEvent(r: Recorded): string {
  const data = r.data === undefined ? '' : ` ${JSON.stringify(r.data)}`
  return `${r.type}${data} @${r.readyState}`
}

/** Records every event of `types` on `source`, in dispatch order, with the
 *  readyState seen by a listener at that moment. */
export function collect(source: EventSourceLike, types: string[] = ['open', 'message', 'error']): Recorder {
  const events: Recorded[] = []
  const waiters = new Set<() => void>()
  const listener = (event: Event): void => {
    const record: Recorded = { type: event.type, readyState: source.readyState, at: performance.now(), event }
    if (event instanceof MessageEvent) {
      const message = event as MessageEvent<unknown>
      record.data = message.data
      record.lastEventId = message.lastEventId
      record.origin = message.origin
    }
    events.push(record)
    for (const wake of [...waiters]) wake()
  }
  for (const type of types) source.addEventListener(type, listener)

  const summary = (): string[] => events.map(describeEvent)

  function until<T>(test: () => T | undefined, timeout: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const result = test()
        if (result === undefined) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(result)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; got [${summary().join(', ')}]`))
      }, timeout)
      waiters.add(check)
      check()
    })
  }

  return {
    events,
    summary,
    waitFor: (count, timeout = EVENT_TIMEOUT_MS) =>
      until(() => (events.length >= count ? events.slice() : undefined), timeout, `${count} events`),
    waitForType: (type, nth = 1, timeout = EVENT_TIMEOUT_MS) =>
      until(
        () => events.filter((e) => e.type === type)[nth - 1],
        timeout,
        `"${type}" event #${nth}`,
      ),
    stop: () => {
      for (const type of types) source.removeEventListener(type, listener)
    },
  }
}

const live = new Set<{ close(): void }>()

/** Remembers `source` so `closeAll()` (in `afterEach`) stops it even when the
 *  test failed half-way — otherwise a leaked source keeps reconnecting into
 *  later tests. */
export function track<T extends { close(): void }>(source: T): T {
  live.add(source)
  return source
}

export function closeAll(): void {
  for (const source of live) source.close()
  live.clear()
}

/** `list[index]`, failing the test with the list's length when it is missing
 *  (keeps `noUncheckedIndexedAccess` honest without `!`). */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index]
  if (item === undefined) throw new Error(`expected an item at index ${index}, but there are ${list.length}`)
  return item
}
