// Issue 4, `EventSource.fromReadableStream(stream)` (whatwg/html PR #12272): an
// EventSource over a stream the caller already has. No request and no
// reconnect: url `about:event-stream`, events' origin "null", CONNECTING and
// then OPEN, and the end or an error of the stream fires `error` and leaves it
// CLOSED. Also the `lastEventId` and `reconnectionTime` getters.

import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { EventSource, type EventSourceErrorEvent } from '../src/index.js'
import { closeAll, collect, delay, scriptUrl, track, uniqueKey } from './support/script.js'

const origin = inject('sseOrigin')

/** Long enough to see a reconnect that must not happen (there is no request
 *  to repeat, and a server `retry:` of 10 ms would make one fast). */
const NO_RECONNECT_WINDOW_MS = 300

afterEach(() => {
  closeAll()
  vi.unstubAllGlobals()
})

/** A byte stream the test feeds by hand. */
function handStream(): {
  stream: ReadableStream<Uint8Array>
  push(text: string): void
  end(): void
  fail(error: unknown): void
  cancelled: Promise<unknown>
} {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  let onCancel: (reason: unknown) => void = () => {}
  const cancelled = new Promise<unknown>((resolve) => (onCancel = resolve))
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
    },
    cancel(reason) {
      onCancel(reason)
    },
  })
  const encoder = new TextEncoder()
  return {
    stream,
    push: (text) => controller?.enqueue(encoder.encode(text)),
    end: () => controller?.close(),
    fail: (error) => controller?.error(error),
    cancelled,
  }
}

describe('EventSource.fromReadableStream', () => {
  it('has url about:event-stream and starts CONNECTING, then fires open', async () => {
    const { stream } = handStream()
    const es = track(EventSource.fromReadableStream(stream))
    expect(es).toBeInstanceOf(EventSource)
    expect(es.url).toBe('about:event-stream')
    expect(es.withCredentials).toBe(false)
    expect(es.readyState).toBe(EventSource.CONNECTING)
    const events = collect(es)
    await events.waitForType('open')
    expect(events.summary()).toEqual(['open @1'])
  })

  it('dispatches events with origin "null" and the last event ID', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream<'token'>(hand.stream))
    const events = collect(es, ['open', 'message', 'token', 'error'])
    hand.push('data: a\n\nid: 7\nevent: token\ndata: b\n\n')
    await events.waitFor(3)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'token "b" @1'])
    expect(events.events.slice(1).map((e) => [e.origin, e.lastEventId])).toEqual([
      ['null', ''],
      ['null', '7'],
    ])
    expect(es.lastEventId).toBe('7')
  })

  it('the end of the stream fires error and leaves it CLOSED, with no reconnect', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    const events = collect(es)
    hand.push('retry: 10\ndata: a\n\n')
    hand.end()
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @2'])
    expect(es.readyState).toBe(EventSource.CLOSED)
    expect((events.events[2]?.event as EventSourceErrorEvent).willReconnect).toBe(false)
  })

  it('an error in the stream fires error and leaves it CLOSED, with the error as cause', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    const events = collect(es)
    const broken = new Error('disk gone')
    hand.push('data: a\n\n')
    await events.waitForType('message')
    hand.fail(broken)
    await events.waitForType('error')
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @2'])
    const error = events.events[2]?.event as EventSourceErrorEvent
    expect(error.willReconnect).toBe(false)
    expect(error.cause).toBe(broken)
  })

  it('a stream errored with a value that cannot become a string still fires error', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    const events = collect(es)
    const strange: unknown = Object.create(null)
    hand.push('data: a\n\n')
    await events.waitForType('message')
    hand.fail(strange)
    await events.waitForType('error')
    const error = events.events[2]?.event as EventSourceErrorEvent
    expect(error.cause).toBe(strange)
    expect(error.message).toMatch(/connection lost: \[object Object\]/)
    expect(es.readyState).toBe(EventSource.CLOSED)
  })

  it('an unfinished last event is discarded at the end, as for a response body', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    const events = collect(es)
    hand.push('data: complete\n\ndata: cut off')
    hand.end()
    await events.waitForType('error')
    expect(events.summary()).toEqual(['open @1', 'message "complete" @1', 'error @2'])
  })

  it('reconnectionTime follows the stream’s retry: field', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    expect(es.reconnectionTime).toBe(3000)
    const events = collect(es)
    hand.push('retry: 1234\ndata: a\n\n')
    await events.waitForType('message')
    expect(es.reconnectionTime).toBe(1234)
  })

  it('throws a TypeError for a locked stream, and for something that is not a stream', () => {
    const { stream } = handStream()
    const reader = stream.getReader()
    expect(() => EventSource.fromReadableStream(stream)).toThrow(TypeError)
    reader.releaseLock()
    const notAStream = { getReader: () => reader } as unknown as ReadableStream<Uint8Array>
    expect(() => EventSource.fromReadableStream(notAStream)).toThrow(TypeError)
  })

  it('makes no request of its own', async () => {
    const globalFetch = vi.fn((): Promise<Response> => Promise.reject(new Error('no fetch expected')))
    vi.stubGlobal('fetch', globalFetch)
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    const events = collect(es)
    hand.push('data: a\n\n')
    hand.end()
    await events.waitForType('error')
    expect(globalFetch).not.toHaveBeenCalled()
  })

  it('reads a real response body (a POST made by the caller)', async () => {
    const key = uniqueKey('from-stream-fetch')
    const response = await fetch(scriptUrl(origin, key, [{ chunks: ['id: 1\ndata: x\n\n', 'data: y\n\n'] }]), {
      method: 'POST',
      body: 'q',
    })
    if (response.body === null) throw new Error('expected a body')
    const es = track(EventSource.fromReadableStream(response.body))
    const events = collect(es)
    await events.waitForType('error')
    expect(events.summary()).toEqual(['open @1', 'message "x" @1', 'message "y" @1', 'error @2'])
    expect(events.events[1]?.origin).toBe('null')
    expect(es.lastEventId).toBe('1')
  })

  it('close() cancels the stream it was reading (nothing is left holding it)', async () => {
    const hand = handStream()
    const es = track(EventSource.fromReadableStream(hand.stream))
    const events = collect(es)
    hand.push('data: a\n\n')
    await events.waitForType('message')
    es.close()
    const outcome = await Promise.race([hand.cancelled.then(() => 'cancelled'), delay(1000).then(() => 'still read')])
    expect(outcome).toBe('cancelled')
    expect(events.summary()).toEqual(['open @1', 'message "a" @1'])
  })
})

describe('lastEventId and reconnectionTime on a URL EventSource', () => {
  it('reflect the stream as it goes', async () => {
    const key = uniqueKey('getters')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['id: a1\nretry: 777\ndata: x\n\n'], end: 'hang' }]), {
        retry: { delay: 200 },
      }),
    )
    expect(es.lastEventId).toBe('')
    expect(es.reconnectionTime).toBe(200)
    await collect(es).waitForType('message')
    expect(es.lastEventId).toBe('a1')
    expect(es.reconnectionTime).toBe(777)
  })
})
