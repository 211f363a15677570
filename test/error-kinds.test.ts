// Issue 16: every error carries a public `kind` a user can `switch` on —
// `EventSourceErrorEvent.kind` and `EventStreamError.kind` — one per way an
// attempt ends. One case per kind, for both surfaces where the kind can reach
// them, on every runtime (this file is portable).

import { afterEach, describe, expect, inject, it } from 'vitest'
import { type ErrorKind, EventSource, EventSourceErrorEvent, EventStreamError, fetchEvents } from '../src/index.js'
import { thrown } from './support/thrown.js'
import { closeAll, collect, scriptUrl, track, uniqueKey } from './support/script.js'

const origin = inject('sseOrigin')
const refusedOrigin = inject('sseRefusedOrigin')

afterEach(closeAll)

/** The first error event of a source made from `init`. */
async function firstError(url: string, init: ConstructorParameters<typeof EventSource>[1] = {}): Promise<EventSourceErrorEvent> {
  const es = track(new EventSource(url, { retry: { delay: 5000 }, ...init }))
  const recorded = await collect(es, ['error']).waitForType('error')
  expect(recorded.event).toBeInstanceOf(EventSourceErrorEvent)
  return recorded.event as EventSourceErrorEvent
}


/** A `fetch` that aborts its own request after `ms`, as a wrapper with its own timeout would. */
function abortingFetch(ms: number): typeof fetch {
  return (input, init) => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), ms)
    init?.signal?.addEventListener('abort', () => controller.abort(init.signal?.reason))
    return fetch(input, { ...init, signal: controller.signal })
  }
}

const hang = (key: string): string => scriptUrl(origin, uniqueKey(key), [{ delayHeaders: 10_000 }])

describe('EventSourceErrorEvent.kind', () => {
  const cases: Array<[ErrorKind, string, () => Promise<EventSourceErrorEvent>, boolean]> = [
    ['end', 'the body ended', () => firstError(scriptUrl(origin, uniqueKey('kind-end'), [{ chunks: ['data: a\n\n'] }])), true],
    ['network', 'no response (connection refused)', () => firstError(`${refusedOrigin}/kind-network`), true],
    ['network', 'the body broke mid-stream', () => firstError(scriptUrl(origin, uniqueKey('kind-reset'), [{ chunks: ['data: a\n\n'], end: 'destroy' }])), true],
    ['timeout', 'headers never came within inactivityTimeout', () => firstError(hang('kind-timeout-headers'), { inactivityTimeout: 200 }), true],
    [
      'timeout',
      'the body went quiet for inactivityTimeout',
      () => firstError(scriptUrl(origin, uniqueKey('kind-timeout-body'), [{ chunks: ['data: a\n\n'], end: 'hang' }]), { inactivityTimeout: 200 }),
      true,
    ],
    ['status', 'a 404', () => firstError(scriptUrl(origin, uniqueKey('kind-status'), [{ status: 404 }])), false],
    [
      'content-type',
      'a 200 of text/html',
      () => firstError(scriptUrl(origin, uniqueKey('kind-type'), [{ headers: { 'Content-Type': 'text/html' }, chunks: ['<p>'] }])),
      false,
    ],
    [
      'overflow',
      'a line past maxBufferSize',
      () => firstError(scriptUrl(origin, uniqueKey('kind-overflow'), [{ chunks: [`data: ${'x'.repeat(4096)}`], end: 'hang' }]), { maxBufferSize: 1024 }),
      true,
    ],
    ['aborted', 'a custom fetch aborted its own request', () => firstError(hang('kind-aborted'), { fetch: abortingFetch(100) }), true],
  ]
  for (const [kind, when, run, willReconnect] of cases) {
    it(`${kind}: ${when}`, async () => {
      const event = await run()
      expect(event.kind).toBe(kind)
      expect(event.willReconnect).toBe(willReconnect)
      expect(event.message.length).toBeGreaterThan(0)
    })
  }

  it('end, with willReconnect false: the end of a stream given to fromReadableStream()', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: a\n\n'))
        controller.close()
      },
    })
    const es = track(EventSource.fromReadableStream(stream))
    const recorded = await collect(es, ['error']).waitForType('error')
    const event = recorded.event as EventSourceErrorEvent
    expect(event.kind).toBe('end')
    expect(event.willReconnect).toBe(false)
  })
})

describe('EventStreamError.kind', () => {
  const cases: Array<[ErrorKind, string, () => Promise<EventStreamError>]> = [
    ['network', 'no response (connection refused)', () => thrown(`${refusedOrigin}/kind-network`)],
    ['network', 'the body broke, with no id to resume from', () => thrown(scriptUrl(origin, uniqueKey('kind-fe-reset'), [{ chunks: ['data: a\n\n'], end: 'destroy' }]))],
    ['timeout', 'headers never came within inactivityTimeout', () => thrown(hang('kind-fe-timeout'), { inactivityTimeout: 200 })],
    ['status', 'a 401', () => thrown(scriptUrl(origin, uniqueKey('kind-fe-status'), [{ status: 401 }]))],
    [
      'content-type',
      'a 200 of application/json',
      () => thrown(scriptUrl(origin, uniqueKey('kind-fe-type'), [{ headers: { 'Content-Type': 'application/json' }, chunks: ['{}'] }])),
    ],
    [
      'overflow',
      'a line past maxBufferSize',
      () => thrown(scriptUrl(origin, uniqueKey('kind-fe-overflow'), [{ chunks: [`data: ${'x'.repeat(4096)}`], end: 'hang' }]), { maxBufferSize: 1024 }),
    ],
    ['aborted', 'a custom fetch aborted its own request', () => thrown(hang('kind-fe-aborted'), { fetch: abortingFetch(100) })],
  ]
  for (const [kind, when, run] of cases) {
    it(`${kind}: ${when}`, async () => {
      const error = await run()
      expect(error.kind).toBe(kind)
      // What the user called is what the message names.
      expect(error.message).not.toContain('EventSource')
    })
  }

  it('aborting the signal option rejects with its reason, not an EventStreamError (as fetch does)', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    const loop = (async () => {
      for await (const _event of fetchEvents(hang('kind-fe-signal'), { signal: controller.signal })) {
        // none arrive
      }
    })()
    setTimeout(() => controller.abort(reason), 50)
    await expect(loop).rejects.toBe(reason)
  })
})
