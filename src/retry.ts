/**
 * The retry policy: how long to wait before reconnecting, and whether to.
 *
 * §9.2.3 reestablish step 2 waits "a delay equal to the reconnection time";
 * step 3 allows more: "Optionally, wait some more. In particular, if the
 * previous attempt failed, then user agents might introduce an exponential
 * backoff delay". Everything here only ever lengthens the spec's wait, except
 * where the user explicitly returns a number from `shouldRetry`.
 */
import type { ErrorKind } from './errors.js'

/** What `shouldRetry` is told about the reconnect it may allow or refuse. */
export interface RetryContext {
  /**
   * Consecutive attempts that ended without reaching `open`, including the one
   * that just ended: 0 when an open stream ended or broke.
   */
  attempt: number
  /** The wait the policy chose, in milliseconds (backoff, jitter, `Retry-After` applied). */
  delay: number
  /** Whether the policy alone would reconnect. */
  willRetry: boolean
  /** The HTTP status, when the attempt got a response other than an event stream. */
  status?: number
  /** That response (headers readable; its body was cancelled). */
  response?: Response
  /** The exception that ended the attempt: a network error, a timeout, a parse error. */
  error?: unknown
  /** The last event ID string the next request would send. */
  lastEventId: string
}

/** The decision of `shouldRetry`: `false` to fail, `true` to reconnect after `delay`, or the wait in ms. */
export type RetryDecision = boolean | number

/** Reconnection settings, grouped as one option. */
export interface RetryOptions {
  /** The initial reconnection time in ms; a server's `retry:` field replaces it. Default 3000. */
  delay?: number
  /**
   * The factor applied per consecutive failed attempt (one that never reached
   * `open`). Default 1: no backoff, the browser's behaviour.
   */
  backoff?: number
  /** The cap for backoff and `Retry-After`, in ms. Default 30 000. */
  maxDelay?: number
  /** Extra random wait, as a fraction of the delay (0.2 = up to 20 % longer). Default 0. */
  jitter?: number
  /** Consecutive failed attempts after which the connection fails for good. Default Infinity. */
  limit?: number
  /**
   * Statuses other than 200 that reconnect instead of failing, honouring
   * `Retry-After`. Default none (the spec fails on every status but 200).
   */
  statusCodes?: readonly number[]
  /** The last word on every reconnect or failure the policy decides. */
  shouldRetry?: (context: RetryContext) => RetryDecision | Promise<RetryDecision>
}

/**
 * What the processing model knows when an attempt has ended, for the policy
 * to decide on (connection.ts builds it once per ended attempt).
 */
export interface AttemptFacts {
  /** Why the attempt ended. */
  kind: ErrorKind
  /** Consecutive attempts that ended without reaching `open` (or with an overflow), this one included. */
  failures: number
  /** This is the first failed attempt since one that opened. */
  afterSuccess: boolean
  /** The event source's reconnection time: `retry:`, or `delay` until then. */
  reconnectionTime: number
  /** The last event ID string the next request would send. */
  lastEventId: string
  /** The response, for `status` and `content-type`. */
  response?: Response | undefined
  /** The exception that ended the attempt. */
  cause?: unknown
}

/** A wait in ms before reconnecting, or `false` to fail the connection. */
export type Verdict = number | false

/**
 * The `retry` option with every default filled in: what follows each ended
 * attempt. The lite class passes none and gets the browser's behaviour from
 * the processing model itself.
 */
export class RetryPolicy {
  readonly enabled: boolean
  readonly delay: number
  readonly backoff: number
  readonly maxDelay: number
  readonly jitter: number
  readonly limit: number
  readonly statusCodes: ReadonlySet<number>
  readonly shouldRetry: RetryOptions['shouldRetry']
  /**
   * Reconnect only with an id to resume from: a one-shot stream (nothing to
   * resume without one), or a method other than GET (an LLM POST must never
   * be paid for twice).
   */
  readonly needsId: boolean

  constructor(option: RetryOptions | false | undefined, needsId: boolean) {
    const options = option === false || option === undefined ? {} : option
    this.enabled = option !== false
    this.delay = options.delay ?? DEFAULT_RETRY_DELAY
    this.backoff = options.backoff ?? 1
    this.maxDelay = options.maxDelay ?? 30_000
    this.jitter = options.jitter ?? 0
    this.limit = options.limit ?? Number.POSITIVE_INFINITY
    this.statusCodes = new Set(options.statusCodes ?? [])
    this.shouldRetry = options.shouldRetry
    this.needsId = needsId
    for (const key of ['delay', 'backoff', 'maxDelay', 'jitter', 'limit'] as const) assertNonNegative(`retry.${key}`, this[key])
    if (this.backoff < 1) throw new TypeError(`retry.backoff must be at least 1, got ${this.backoff}`)
    if (this.limit < 1) {
      throw new TypeError(`retry.limit must be at least 1, got ${this.limit} (retry: false never reconnects)`)
    }
    if (this.shouldRetry !== undefined && typeof this.shouldRetry !== 'function') {
      throw new TypeError('retry.shouldRetry must be a function')
    }
  }

  /**
   * Reconnect (after how long) or fail. The spec's rule is the default —
   * reestablish after an end of body or a network error, fail on a response
   * that is not an event stream — and the settings refine it; `shouldRetry`
   * has the last word. A promise only when `shouldRetry` returned one.
   */
  decide(facts: AttemptFacts): Verdict | Promise<Verdict> {
    const { response, failures, lastEventId } = facts
    // `statusCodes` turns a failing status into a reconnect; a wrong
    // Content-Type always fails (shouldRetry may still say otherwise).
    let willRetry = facts.kind === 'status' ? this.statusCodes.has(response?.status ?? 0) : facts.kind !== 'content-type'
    if (!this.enabled || failures >= this.limit || (this.needsId && lastEventId === '')) willRetry = false
    const retryAfter = response === undefined ? undefined : parseRetryAfter(response.headers.get('retry-after'))
    let delay = computeDelay(this, facts.reconnectionTime, failures, retryAfter)
    // A 401 or 403 right after a stream that worked is the usual expired
    // token: the headers function is told the status and refreshes it, so
    // go again at once. Refused again, it waits the policy's delay, so a
    // refresh that keeps failing cannot loop fast.
    const status = response?.status
    if (facts.afterSuccess && (status === 401 || status === 403)) delay = 0
    const shouldRetry = this.shouldRetry
    if (shouldRetry === undefined) return willRetry ? delay : false
    const decision = shouldRetry({
      attempt: failures,
      delay,
      willRetry,
      ...(response === undefined ? {} : { status: response.status, response }),
      ...(facts.cause === undefined ? {} : { error: facts.cause }),
      lastEventId,
    })
    return typeof decision === 'object' ? decision.then((value) => verdict(value, delay)) : verdict(decision, delay)
  }
}

/**
 * Checks a numeric option at construction, so a mistake throws there.
 *
 * @throws TypeError for anything but a non-negative number
 */
export function assertNonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative number, got ${String(value)}`)
  }
  return value
}

/** What `shouldRetry` returned, as a verdict: `true` keeps the policy's delay, a number replaces it. */
function verdict(decision: RetryDecision, delay: number): Verdict {
  if (typeof decision === 'number') return Math.min(Math.max(0, decision), MAX_TIMER_DELAY)
  return decision === true ? delay : false
}

/** The default reconnection time: Chromium's and WebKit's 3000 ms. */
export const DEFAULT_RETRY_DELAY = 3000

// Timers fire at once for delays above 2^31 − 1 ms (Node even warns), so every
// wait is clamped to the longest a timer can express (about 24.8 days).
export const MAX_TIMER_DELAY = 2 ** 31 - 1

// Most sources take the defaults: they share a frozen policy instead of
// holding a copy each (an idle connection's memory counts, see bench/).
const defaultPolicies: Array<RetryPolicy | undefined> = []

/**
 * Fills in the defaults and checks the numbers, so mistakes surface at construction.
 *
 * @param needsId - see {@link RetryPolicy.needsId}
 */
export function resolveRetryPolicy(option: RetryOptions | false | undefined, needsId = false): RetryPolicy {
  if (option !== undefined) return new RetryPolicy(option, needsId)
  const index = needsId ? 1 : 0
  return (defaultPolicies[index] ??= Object.freeze(new RetryPolicy(undefined, needsId)))
}

/**
 * The wait before the next attempt: the reconnection time, grown by `backoff`
 * per consecutive failure up to `maxDelay` (never below the reconnection time
 * itself), at least `Retry-After` (capped by `maxDelay`), plus jitter.
 *
 * @param reconnectionTime - the event source's reconnection time (`retry:` or `delay`)
 * @param failures - consecutive attempts that never reached `open`
 * @param retryAfter - a `Retry-After` wait in ms, if the response had one
 */
export function computeDelay(
  policy: Pick<RetryPolicy, 'backoff' | 'maxDelay' | 'jitter'>,
  reconnectionTime: number,
  failures: number,
  retryAfter: number | undefined,
  random: () => number = Math.random,
): number {
  let delay = reconnectionTime
  if (failures > 1 && policy.backoff > 1) {
    delay = Math.max(reconnectionTime, Math.min(reconnectionTime * policy.backoff ** (failures - 1), policy.maxDelay))
  }
  if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, policy.maxDelay))
  if (policy.jitter > 0) delay += delay * policy.jitter * random()
  return Math.min(Math.round(delay), MAX_TIMER_DELAY)
}

/**
 * A `Retry-After` header as a wait in ms: delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3). Anything else is ignored.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
