// Issue 4, the `retry` option: `false`, and `{ delay, backoff, maxDelay,
// jitter, limit, statusCodes, shouldRetry }`. Waits are measured on the test
// server's clock between the end of one connection and the next request
// (support/timing.ts), with a small early tolerance and a generous late one.
// Delays are 50–300 ms so the whole file stays fast; only the Retry-After
// cases wait about a second, because Retry-After has one-second resolution.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource, type EventSourceErrorEvent, type RetryContext } from '../src/index.js'
import { attempts, closeAll, collect, delay, scriptUrl, track, uniqueKey, type Attempt } from './support/script.js'
import { EARLY_MS, LATE_MS, expectGaps, reconnectGaps } from './support/timing.js'

const origin = inject('sseOrigin')

/** Long enough for a client that wrongly reconnects after ~50 ms to do so
 *  several times over. */
const NO_RECONNECT_WINDOW_MS = 400

afterEach(closeAll)

const fail: Attempt = { destroyBeforeHeaders: true }
const openAndEnd: Attempt = { chunks: ['data: x\n\n'] }
const hang: Attempt = { chunks: ['data: up\n\n'], end: 'hang' }

function errorsOf(recorded: ReturnType<typeof collect>): EventSourceErrorEvent[] {
  return recorded.events.filter((e) => e.type === 'error').map((e) => e.event as EventSourceErrorEvent)
}

describe('retry: false', () => {
  it('never reconnects after the end of the body: error @CLOSED, willReconnect false', async () => {
    const key = uniqueKey('retry-false-eof')
    const es = track(new EventSource(scriptUrl(origin, key, [openAndEnd, hang]), { retry: false }))
    const events = collect(es)
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "x" @1', 'error @2'])
    expect(errorsOf(events)[0]?.willReconnect).toBe(false)
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('never reconnects after a network error either', async () => {
    const key = uniqueKey('retry-false-net')
    const es = track(new EventSource(scriptUrl(origin, key, [fail, hang]), { retry: false }))
    const events = collect(es)
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @2'])
    expect((await attempts(origin, key)).length).toBe(1)
  })
})

describe('retry.delay and the server’s retry field', () => {
  it('defaults to 3000 ms (reported, not waited for)', async () => {
    const key = uniqueKey('retry-default')
    const es = track(new EventSource(scriptUrl(origin, key, [openAndEnd, hang])))
    expect(es.reconnectionTime).toBe(3000)
    const events = collect(es)
    await events.waitForType('error')
    expect(errorsOf(events)[0]?.reconnectDelay).toBe(3000)
  })

  it('waits `delay` before reconnecting', async () => {
    const key = uniqueKey('retry-delay')
    const es = track(new EventSource(scriptUrl(origin, key, [openAndEnd, openAndEnd, hang]), { retry: { delay: 120 } }))
    expect(es.reconnectionTime).toBe(120)
    const events = collect(es)
    await events.waitForType('message', 3)
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([120, 120])
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 3 })), [120, 120])
  })

  it('is replaced by the server’s retry: field', async () => {
    const key = uniqueKey('retry-server')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['retry: 60\ndata: x\n\n'] }, openAndEnd, hang]), {
        retry: { delay: 5000 },
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 3)
    expect(es.reconnectionTime).toBe(60)
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([60, 60])
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 3 })), [60, 60])
  })
})

describe('retry.backoff, maxDelay and limit', () => {
  it('multiplies the wait per consecutive failed attempt and fails after `limit` of them', async () => {
    const key = uniqueKey('retry-backoff-limit')
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail]), { retry: { delay: 50, backoff: 2, maxDelay: 10_000, limit: 5 } }),
    )
    const events = collect(es)
    await events.waitFor(5, 5000)
    expect(es.readyState).toBe(EventSource.CLOSED)
    await delay(NO_RECONNECT_WINDOW_MS)
    // Five failed attempts: four reconnects, then the fifth failure is final.
    expect(events.summary()).toEqual(['error @0', 'error @0', 'error @0', 'error @0', 'error @2'])
    expect(errorsOf(events).map((e) => e.willReconnect)).toEqual([true, true, true, true, false])
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([50, 100, 200, 400, undefined])
    const log = await attempts(origin, key)
    expect(log.length).toBe(5)
    expectGaps(reconnectGaps(log), [50, 100, 200, 400])
  })

  it('resets the backoff once an attempt reaches open', async () => {
    const key = uniqueKey('retry-backoff-reset')
    const script = [fail, fail, fail, openAndEnd, fail, fail, hang]
    const es = track(new EventSource(scriptUrl(origin, key, script), { retry: { delay: 40, backoff: 2 } }))
    const events = collect(es)
    await events.waitForType('message', 2, 5000)
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([40, 80, 160, 40, 40, 80])
    // 40, 80, 160 for three failures; the opened 4th resets: 40 after it, 40
    // after the next failure (the first of a new run), then 80.
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 7 })), [40, 80, 160, 40, 40, 80])
  })

  it('caps the backoff at maxDelay', async () => {
    const key = uniqueKey('retry-maxdelay')
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail, fail, fail, hang]), {
        retry: { delay: 60, backoff: 10, maxDelay: 150 },
      }),
    )
    const events = collect(es)
    await events.waitForType('open')
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([60, 150, 150])
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 4 })), [60, 150, 150])
  })

  it('never waits less than the reconnection time, even with maxDelay below it', async () => {
    // §9.2.3 step 2 waits the reconnection time; backoff may only add to it.
    const key = uniqueKey('retry-maxdelay-floor')
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail, fail, hang]), { retry: { delay: 100, backoff: 2, maxDelay: 20 } }),
    )
    const events = collect(es)
    await events.waitForType('open')
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([100, 100])
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 3 })), [100, 100])
  })

  it('does not count attempts that reached open towards the limit', async () => {
    const key = uniqueKey('retry-limit-reset')
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail, openAndEnd, fail, openAndEnd, fail, hang]), {
        retry: { delay: 30, limit: 2 },
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 3)
    expect(es.readyState).toBe(EventSource.OPEN)
    expect((await attempts(origin, key)).length).toBe(6)
  })

  it('limit: 1 fails on the first failed attempt', async () => {
    const key = uniqueKey('retry-limit-1')
    const es = track(new EventSource(scriptUrl(origin, key, [fail, hang]), { retry: { delay: 30, limit: 1 } }))
    const events = collect(es)
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @2'])
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('rejects nonsense numbers at construction', () => {
    const url = `${origin}/never`
    expect(() => new EventSource(url, { retry: { delay: -1 } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { backoff: 0.5 } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { maxDelay: Number.NaN } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { jitter: -0.1 } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { limit: -1 } })).toThrow(TypeError)
  })
})

describe('retry.jitter', () => {
  it('adds a random wait within [d, d·(1 + jitter)], not the same every time', async () => {
    const key = uniqueKey('retry-jitter')
    const d = 60
    const jitter = 1
    const script = [fail, fail, fail, fail, fail, fail, hang]
    const es = track(new EventSource(scriptUrl(origin, key, script), { retry: { delay: d, jitter } }))
    const events = collect(es)
    await events.waitForType('open', 1, 5000)
    const planned = errorsOf(events).map((e) => e.reconnectDelay ?? Number.NaN)
    expect(planned.length).toBe(6)
    for (const wait of planned) {
      expect(wait).toBeGreaterThanOrEqual(d)
      expect(wait).toBeLessThanOrEqual(d * (1 + jitter))
    }
    // Six draws from 61 possible values: all equal has odds ~1e-9.
    expect(new Set(planned).size).toBeGreaterThan(1)
    // And the client really waited what it announced.
    const gaps = reconnectGaps(await attempts(origin, key, { min: 7 }))
    expectGaps(gaps, planned)
  })
})

describe('retry.statusCodes and Retry-After', () => {
  it('reconnects on a listed status (error @CONNECTING with the status), fails on others', async () => {
    const key = uniqueKey('retry-status')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ status: 503 }, { status: 429 }, openAndEnd, { status: 500 }, hang]),
        { retry: { delay: 40, statusCodes: [429, 502, 503, 504] } },
      ),
    )
    const events = collect(es)
    await events.waitFor(6)
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @0', 'error @0', 'open @1', 'message "x" @1', 'error @0', 'error @2'])
    expect(errorsOf(events).map((e) => [e.status, e.willReconnect])).toEqual([
      [503, true],
      [429, true],
      [undefined, true],
      [500, false],
    ])
    expect((await attempts(origin, key)).length).toBe(4)
  })

  it('backs off on repeated listed statuses like any failed attempt', async () => {
    const key = uniqueKey('retry-status-backoff')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ status: 502 }, { status: 502 }, { status: 502 }, hang]), {
        retry: { delay: 40, backoff: 2, statusCodes: [502] },
      }),
    )
    const events = collect(es)
    await events.waitForType('open')
    expect(errorsOf(events).map((e) => e.reconnectDelay)).toEqual([40, 80, 160])
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 4 })), [40, 80, 160])
  })

  it('honours Retry-After in seconds', async () => {
    const key = uniqueKey('retry-after-seconds')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ status: 503, headers: { 'Content-Type': 'text/plain', 'Retry-After': '1' } }, hang]),
        { retry: { delay: 50, statusCodes: [503] } },
      ),
    )
    const events = collect(es)
    await events.waitForType('open', 1, 5000)
    expect(errorsOf(events)[0]?.reconnectDelay).toBe(1000)
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 2 })), [1000])
  })

  it('honours Retry-After as an HTTP date', async () => {
    const key = uniqueKey('retry-after-date')
    // HTTP dates have one-second resolution: this one is 0.5–1.5 s ahead.
    const retryAt = new Date(Date.now() + 1500).toUTCString()
    const notBefore = Date.parse(retryAt)
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ status: 429, headers: { 'Content-Type': 'text/plain', 'Retry-After': retryAt } }, hang]),
        { retry: { delay: 50, statusCodes: [429] } },
      ),
    )
    const opened = await collect(es).waitForType('open', 1, 5000)
    // Same process, same wall clock: the reconnect must not come before the date.
    const openedAt = Date.now() - (performance.now() - opened.at)
    expect(openedAt).toBeGreaterThanOrEqual(notBefore - EARLY_MS)
    expect(openedAt).toBeLessThanOrEqual(notBefore + LATE_MS)
  })

  it('caps Retry-After at maxDelay (Retry-After: 120, maxDelay 300 → ~300 ms)', async () => {
    const key = uniqueKey('retry-after-cap')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ status: 503, headers: { 'Content-Type': 'text/plain', 'Retry-After': '120' } }, hang]),
        { retry: { delay: 50, maxDelay: 300, statusCodes: [503] } },
      ),
    )
    const events = collect(es)
    await events.waitForType('open', 1, 5000)
    expect(errorsOf(events)[0]?.reconnectDelay).toBe(300)
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 2 })), [300])
  })
})

describe('retry.shouldRetry', () => {
  it('is told attempt, delay, willRetry, error and lastEventId for network errors', async () => {
    const key = uniqueKey('should-ctx-net')
    const seen: RetryContext[] = []
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['id: 9\ndata: x\n\n'] }, fail, fail, hang]), {
        retry: {
          delay: 30,
          backoff: 2,
          shouldRetry: (ctx) => {
            seen.push(ctx)
            return true
          },
        },
      }),
    )
    await collect(es).waitForType('message', 2)
    expect(seen.map((c) => [c.attempt, c.delay, c.willRetry, c.lastEventId, c.status])).toEqual([
      // The opened first attempt ended: no failed attempt yet.
      [0, 30, true, '9', undefined],
      [1, 30, true, '9', undefined],
      [2, 60, true, '9', undefined],
    ])
    expect(seen[0]?.error).toBeUndefined()
    expect(seen[0]?.response).toBeUndefined()
    expect(seen[1]?.error).toBeDefined()
    expect(seen[2]?.error).toBeDefined()
  })

  it('is told status and a readable response for a status, and can retry one the policy would fail', async () => {
    const key = uniqueKey('should-ctx-status')
    const seen: RetryContext[] = []
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ status: 500, headers: { 'Content-Type': 'text/plain', 'X-Why': 'overloaded' } }, hang]),
        {
          retry: {
            delay: 30,
            shouldRetry: (ctx) => {
              seen.push(ctx)
              return true
            },
          },
        },
      ),
    )
    const events = collect(es)
    await events.waitForType('message')
    expect(events.summary()).toEqual(['error @0', 'open @1', 'message "up" @1'])
    expect(seen.length).toBe(1)
    expect(seen[0]?.status).toBe(500)
    expect(seen[0]?.willRetry).toBe(false)
    expect(seen[0]?.response?.headers.get('x-why')).toBe('overloaded')
    expect(seen[0]?.error).toBeUndefined()
  })

  it('returning false fails the connection on an error the policy would retry', async () => {
    const key = uniqueKey('should-false')
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail, hang]), { retry: { delay: 30, shouldRetry: () => false } }),
    )
    const events = collect(es)
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @2'])
    expect(errorsOf(events)[0]?.willReconnect).toBe(false)
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('returning a number sets the wait in ms', async () => {
    const key = uniqueKey('should-number')
    const es = track(
      new EventSource(scriptUrl(origin, key, [openAndEnd, hang]), { retry: { delay: 5000, shouldRetry: () => 90 } }),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    expect(errorsOf(events)[0]?.reconnectDelay).toBe(90)
    expectGaps(reconnectGaps(await attempts(origin, key, { min: 2 })), [90])
  })

  it('returning a number retries even when the policy would fail (a 500)', async () => {
    const key = uniqueKey('should-number-500')
    const es = track(new EventSource(scriptUrl(origin, key, [{ status: 500 }, hang]), { retry: { shouldRetry: () => 40 } }))
    const events = collect(es)
    await events.waitForType('message')
    expect(events.summary()).toEqual(['error @0', 'open @1', 'message "up" @1'])
  })

  it('may answer asynchronously', async () => {
    const key = uniqueKey('should-async')
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail, fail, hang]), {
        retry: {
          delay: 5000,
          shouldRetry: async (ctx) => {
            await delay(20)
            return ctx.attempt < 2 ? 40 : false
          },
        },
      }),
    )
    const events = collect(es)
    await events.waitForType('error', 2)
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @0', 'error @2'])
    expect((await attempts(origin, key)).length).toBe(2)
  })

  it('close() while an async decision is pending: no error event, no request', async () => {
    const key = uniqueKey('should-async-close')
    let release: (value: boolean) => void = () => {}
    const es = track(
      new EventSource(scriptUrl(origin, key, [fail, hang]), {
        retry: { delay: 30, shouldRetry: () => new Promise<boolean>((resolve) => (release = resolve)) },
      }),
    )
    const events = collect(es)
    // The decision is requested once the attempt failed, which the log shows.
    await attempts(origin, key, { closed: 1 })
    await delay(50)
    es.close()
    release(true)
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual([])
    expect((await attempts(origin, key)).length).toBe(1)
  })
})

describe('retry settings are checked at construction', () => {
  it('rejects a limit below 1, negative numbers and a backoff below 1 with a TypeError', () => {
    // A limit of 0 would mean "fail before any failure"; `retry: false` is
    // the way to say never reconnect, so 0 is a mistake to surface early.
    const url = `${origin}/never-fetched`
    expect(() => new EventSource(url, { retry: { limit: 0 } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { delay: -1 } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { backoff: 0.5 } })).toThrow(TypeError)
    expect(() => new EventSource(url, { retry: { jitter: Number.NaN } })).toThrow(TypeError)
  })
})
