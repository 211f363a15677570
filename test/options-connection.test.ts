// Issue 4, options that watch or end a connection: `inactivityTimeout` (no
// bytes at all for that long is a network error, the wait for headers
// included), `signal` (aborting is `close()`), and `maxBufferSize` (an
// unfinished line or event past it is an error, then a reconnect).

import { afterEach, describe, expect, inject, it } from 'vitest'
import { DEFAULT_MAX_BUFFER_SIZE, EventSource, type EventSourceErrorEvent } from '../src/index.js'
import { at, attempts, closeAll, collect, delay, scriptUrl, track, uniqueKey, waitForEvent } from './support/script.js'
import { EARLY_MS, LATE_MS } from './support/timing.js'

const origin = inject('sseOrigin')

/** Long enough for a client that wrongly reconnects after ~50 ms to do so
 *  several times over. */
const NO_RECONNECT_WINDOW_MS = 400

afterEach(closeAll)

const FAST = { delay: 50 } as const

describe('inactivityTimeout', () => {
  it('silence after the last byte → error @CONNECTING after ~timeout, then a new request', async () => {
    const key = uniqueKey('idle-body')
    const timeout = 150
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
        inactivityTimeout: timeout,
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0', 'open @1', 'message "b" @1'])
    // Measured from the last byte the client got (the message) to the error.
    const idle = at(events.events, 2).at - at(events.events, 1).at
    expect(idle).toBeGreaterThanOrEqual(timeout - EARLY_MS)
    expect(idle).toBeLessThanOrEqual(timeout + LATE_MS)
    const error = at(events.events, 2).event as EventSourceErrorEvent
    expect(error.willReconnect).toBe(true)
    expect(error.message).toMatch(/150 ms/)
    expect(error.cause).toBeDefined()
    // The timed-out connection was dropped by the client, not left open.
    const log = await attempts(origin, key, { min: 2, closed: 1 })
    expect(at(log, 0).closedByClient).toBe(true)
  })

  it('covers the wait for response headers', async () => {
    const key = uniqueKey('idle-headers')
    const timeout = 150
    const started = performance.now()
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ delayHeaders: 10_000 }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
        inactivityTimeout: timeout,
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitForType('message')
    expect(events.summary()).toEqual(['error @0', 'open @1', 'message "b" @1'])
    const waited = at(events.events, 0).at - started
    expect(waited).toBeGreaterThanOrEqual(timeout - EARLY_MS)
    expect(waited).toBeLessThanOrEqual(timeout + LATE_MS)
    expect((at(events.events, 0).event as EventSourceErrorEvent).message).toMatch(/150 ms/)
    const log = await attempts(origin, key, { min: 2, closed: 1 })
    expect(at(log, 0).closedByClient).toBe(true)
  })

  it('counts comments as activity: pings every timeout/3 keep it open', async () => {
    const key = uniqueKey('idle-comments')
    const timeout = 150
    const pings = Array.from({ length: 12 }, () => [{ delay: 50 }, ': ping\n'] as const).flat()
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n', ...pings, 'data: end\n\n'], end: 'hang' }]), {
        inactivityTimeout: timeout,
        retry: FAST,
      }),
    )
    const events = collect(es)
    // 600 ms of comments only: four times the timeout without an event.
    await events.waitForType('message', 2)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'message "end" @1'])
    // And once the pings stop, the watchdog fires.
    await events.waitForType('error')
    expect((await attempts(origin, key, { min: 2 })).length).toBe(2)
  })

  it('is off by default: a silent open stream stays open', async () => {
    const key = uniqueKey('idle-off')
    const es = track(new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }]), { retry: FAST }))
    const events = collect(es)
    await events.waitForType('message')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1'])
    expect(es.readyState).toBe(EventSource.OPEN)
  })

  it('with retry: false a timeout fails the connection', async () => {
    const key = uniqueKey('idle-fail')
    const es = track(new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { inactivityTimeout: 100, retry: false }))
    const events = collect(es)
    await events.waitForType('error')
    expect(events.summary()).toEqual(['open @1', 'error @2'])
  })
})

describe('signal', () => {
  it('aborting is close(): CLOSED, no event, the server sees the connection dropped', async () => {
    const key = uniqueKey('signal-abort')
    const controller = new AbortController()
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'hang' }]), { signal: controller.signal }),
    )
    const events = collect(es)
    await events.waitForType('message')
    controller.abort()
    expect(es.readyState).toBe(EventSource.CLOSED)
    const log = await attempts(origin, key, { closed: 1, timeout: 2000 })
    expect(at(log, 0).closedByClient).toBe(true)
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1'])
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('an already aborted signal: CLOSED at once, no request, no event', async () => {
    const key = uniqueKey('signal-pre')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ end: 'hang' }]), { signal: AbortSignal.abort(new Error('not needed')) }),
    )
    expect(es.readyState).toBe(EventSource.CLOSED)
    const events = collect(es)
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual([])
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
  })

  it('aborting while waiting to reconnect cancels the reconnect', async () => {
    const key = uniqueKey('signal-waiting')
    const controller = new AbortController()
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { end: 'hang' }]), {
        signal: controller.signal,
        retry: { delay: 150 },
      }),
    )
    const events = collect(es)
    await events.waitForType('error')
    controller.abort()
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0'])
    expect(es.readyState).toBe(EventSource.CLOSED)
    expect((await attempts(origin, key)).length).toBe(1)
  })

  it('aborting before the response arrives drops the pending request', async () => {
    const key = uniqueKey('signal-pending')
    const controller = new AbortController()
    const es = track(new EventSource(scriptUrl(origin, key, [{ delayHeaders: 10_000 }]), { signal: controller.signal }))
    const events = collect(es)
    await attempts(origin, key, { min: 1 })
    controller.abort()
    const log = await attempts(origin, key, { closed: 1, timeout: 2000 })
    expect(at(log, 0).closedByClient).toBe(true)
    expect(events.summary()).toEqual([])
  })
})

describe('maxBufferSize', () => {
  it('defaults to 16 Mi characters', () => {
    expect(DEFAULT_MAX_BUFFER_SIZE).toBe(16 * 1024 * 1024)
  })

  it('an unfinished line past the limit → error with a clear message, then a reconnect', async () => {
    const key = uniqueKey('buffer-line')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [
          { chunks: ['data: ok\n\n', `data: ${'x'.repeat(2000)}`], end: 'hang' },
          { chunks: ['data: after\n\n'], end: 'hang' },
        ]),
        { maxBufferSize: 1000, retry: FAST },
      ),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    expect(events.summary()).toEqual(['open @1', 'message "ok" @1', 'error @0', 'open @1', 'message "after" @1'])
    const error = at(events.events, 2).event as EventSourceErrorEvent
    expect(error.willReconnect).toBe(true)
    // Says what overflowed and what the limit was.
    expect(error.message).toMatch(/buffer/i)
    expect(error.message).toContain('1000')
    expect(error.cause).toBeDefined()
    // The overflowing connection was dropped by the client.
    const log = await attempts(origin, key, { min: 2, closed: 1 })
    expect(at(log, 0).closedByClient).toBe(true)
  })

  it('an unfinished event (many short lines) past the limit overflows too', async () => {
    const key = uniqueKey('buffer-event')
    const lines = `data: ${'y'.repeat(90)}\n`.repeat(20)
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: [lines], end: 'hang' }, { chunks: ['data: after\n\n'], end: 'hang' }]), {
        maxBufferSize: 1000,
        retry: FAST,
      }),
    )
    const events = collect(es)
    await events.waitForType('message')
    expect(events.summary()).toEqual(['open @1', 'error @0', 'open @1', 'message "after" @1'])
  })

  it('an overflow counts as a failed attempt: repeated overflows back off and reach the limit', async () => {
    // The connection opened each time, but the stream was unusable: without
    // this, a server resending an oversized event would be re-downloaded at
    // the full reconnect rate forever (found by the hostile-server tests).
    const key = uniqueKey('buffer-backoff')
    const oversized = { chunks: [`data: ${'x'.repeat(2000)}`], end: 'hang' as const }
    const es = track(
      new EventSource(scriptUrl(origin, key, [oversized]), {
        maxBufferSize: 1000,
        retry: { delay: 20, backoff: 2, limit: 4 },
      }),
    )
    const events = collect(es)
    await events.waitForType('error', 4)
    const errors = events.events.filter((e) => e.type === 'error').map((e) => e.event as EventSourceErrorEvent)
    // Failures 1–3 reconnect after 20, 40, 80 ms; the 4th reaches the limit.
    expect(errors.map((e) => e.reconnectDelay)).toEqual([20, 40, 80, undefined])
    expect(errors.map((e) => e.willReconnect)).toEqual([true, true, true, false])
    expect(es.readyState).toBe(EventSource.CLOSED)
  })

  it('events up to the limit pass', async () => {
    const key = uniqueKey('buffer-under')
    const data = 'z'.repeat(900)
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: [`data: ${data}\n\n`, `data: ${data}\n\n`], end: 'hang' }]), {
        maxBufferSize: 1000,
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    expect(events.summary().length).toBe(3)
    expect(at(events.events, 1).data).toBe(data)
  })

  it('with the default, a 1 MiB event passes', async () => {
    const key = uniqueKey('buffer-default')
    // Built by the server: a script URL cannot carry a megabyte.
    const kibibyte = 'm'.repeat(1024)
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ chunks: ['data: ', { repeat: kibibyte, times: 1024 }, '\n\n'], end: 'hang' }]),
      ),
    )
    const message = (await waitForEvent(es, 'message')) as MessageEvent<string>
    expect(message.data.length).toBe(1024 * 1024)
  })
})
