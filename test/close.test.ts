// close() (HTML §9.2.2): "The close() method must abort any instances of the
// fetch algorithm started for this EventSource object, and must set the
// readyState attribute to CLOSED." Every task the processing model queues
// (announce, reestablish, fail, dispatch) first checks for CLOSED, so after
// close() no event of any kind may fire and no request may be made — also when
// close() is called from inside a handler with more events already buffered.
//
// Scripts give the server `retry: 50`, so a client that wrongly keeps going
// would reconnect within ~50 ms; a 500 ms window is enough to see it.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource } from '../src/index.js'
import { EventSource as LiteEventSource } from '../src/lite.js'
import { attempts, closeAll, collect, delay, requestLog, scriptUrl, signal, track, uniqueKey } from './support/script.js'
import type { Attempt } from './support/script.js'

const origin = inject('sseOrigin')

const QUIET_WINDOW_MS = 500

/** Every event type an EventSource here might fire. */
const ALL_TYPES = ['open', 'message', 'error', 'foo']

afterEach(closeAll)

// Both classes: each has its own dispatch loop and its own close().
describe.each([
  ['EventSource', EventSource],
  ['eventsource-kit/lite', LiteEventSource],
] as const)('%s', (_, Class) => {
  function start(script: Attempt[], key: string): EventSource | LiteEventSource {
    return track(new Class(scriptUrl(origin, key, script)))
  }

  describe('close() from outside a handler', () => {
    it('while the request is in flight: CLOSED at once, the fetch aborted, no events', async () => {
      const key = uniqueKey('close-connecting')
      const es = start([{ delayHeaders: 2_000, chunks: ['retry: 50\ndata: a\n\n'] }], key)
      const events = collect(es, ALL_TYPES)
      await attempts(origin, key, { min: 1 })
      es.close()
      expect(es.readyState).toBe(EventSource.CLOSED)
      // "abort any instances of the fetch algorithm": the server sees the
      // connection go away before it answered.
      const [request] = await requestLog(origin, key, { closed: 1 })
      expect(request?.closedByClient).toBe(true)
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual([])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('right after construction: CLOSED synchronously, no events', async () => {
      const key = uniqueKey('close-immediately')
      const es = start([{ chunks: ['retry: 50\ndata: a\n\n'] }], key)
      const events = collect(es, ALL_TYPES)
      es.close()
      expect(es.readyState).toBe(EventSource.CLOSED)
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual([])
      expect((await attempts(origin, key)).length).toBeLessThanOrEqual(1)
    })

    it('while OPEN: the body stops, the server sees the abort, nothing more is dispatched', async () => {
      const key = uniqueKey('close-open')
      const es = start([{ chunks: ['retry: 50\ndata: a\n\n', { await: 'more' }, 'data: b\n\n'], end: 'hang' }], key)
      const events = collect(es, ALL_TYPES)
      await events.waitFor(2)
      es.close()
      expect(es.readyState).toBe(EventSource.CLOSED)
      const [request] = await requestLog(origin, key, { closed: 1 })
      expect(request?.closedByClient).toBe(true)
      await signal(origin, key, 'more')
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1', 'message "a" @1'])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('during the reconnect wait: no new request, no open', async () => {
      const key = uniqueKey('close-waiting')
      const es = start([{ chunks: ['retry: 200\ndata: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }], key)
      const events = collect(es, ALL_TYPES)
      await events.waitForType('error')
      // Awaiting the error resumes after its dispatch, inside the 200 ms wait.
      es.close()
      expect(es.readyState).toBe(EventSource.CLOSED)
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0'])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('twice, or after a failure, is harmless', async () => {
      const key = uniqueKey('close-twice')
      const es = start([{ status: 500 }], key)
      const events = collect(es, ALL_TYPES)
      await events.waitFor(1)
      es.close()
      es.close()
      expect(es.readyState).toBe(EventSource.CLOSED)
      await delay(100)
      expect(events.summary()).toEqual(['error @2'])
    })
  })

  describe('close() inside handlers', () => {
    it('in onopen: no message from the same response, no error, no reconnect', async () => {
      const key = uniqueKey('close-onopen')
      const es = start([{ chunks: ['retry: 50\ndata: a\n\ndata: b\n\n'] }], key)
      const events = collect(es, ALL_TYPES)
      let stateAfterClose = -1
      es.onopen = () => {
        es.close()
        stateAfterClose = es.readyState
      }
      await events.waitFor(1)
      await delay(QUIET_WINDOW_MS)
      expect(stateAfterClose).toBe(EventSource.CLOSED)
      expect(events.summary()).toEqual(['open @1'])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('in onopen: aborts the fetch the open event came from', async () => {
      const key = uniqueKey('close-onopen-abort')
      const es = start([{ chunks: ['retry: 50\n', { await: 'more' }, 'data: a\n\n'], end: 'hang' }], key)
      const events = collect(es, ALL_TYPES)
      es.onopen = () => es.close()
      // "abort any instances of the fetch algorithm": the server sees the
      // client drop the still-open response.
      const [request] = await requestLog(origin, key, { closed: 1 })
      expect(request?.closedByClient).toBe(true)
      await signal(origin, key, 'more')
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1'])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('in onmessage with more events in the same chunk: none of them is dispatched', async () => {
      const key = uniqueKey('close-onmessage')
      const es = start([{ chunks: ['retry: 50\ndata: 1\n\ndata: 2\n\nevent: foo\ndata: 3\n\n'] }], key)
      const events = collect(es, ALL_TYPES)
      es.onmessage = () => es.close()
      await events.waitFor(2)
      await delay(QUIET_WINDOW_MS)
      // §9.2.6 dispatch step 8: "Queue a task which, if the readyState attribute
      // is set to a value other than CLOSED, dispatches the newly created event".
      // The end of the body that follows must not reconnect either (the
      // reestablish task aborts when readyState is CLOSED).
      expect(events.summary()).toEqual(['open @1', 'message "1" @1'])
      expect(es.readyState).toBe(EventSource.CLOSED)
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('in a custom event listener with more events in the same chunk', async () => {
      const key = uniqueKey('close-custom')
      const es = start([{ chunks: ['retry: 50\nevent: foo\ndata: 1\n\ndata: 2\n\n'], end: 'hang' }], key)
      const events = collect(es, ALL_TYPES)
      es.addEventListener('foo', () => es.close())
      await events.waitFor(2)
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1', 'foo "1" @1'])
    })

    it('does not stop the current event from reaching its remaining listeners', async () => {
      const key = uniqueKey('close-other-listeners')
      const es = start([{ chunks: ['data: 1\n\ndata: 2\n\n'], end: 'hang' }], key)
      const seen: Array<[string, unknown, number]> = []
      es.addEventListener('message', (e) => {
        seen.push(['first', (e as MessageEvent<unknown>).data, es.readyState])
        es.close()
      })
      es.addEventListener('message', (e) => {
        seen.push(['second', (e as MessageEvent<unknown>).data, es.readyState])
      })
      await collect(es, ['message']).waitFor(1)
      await delay(QUIET_WINDOW_MS)
      // DOM dispatch invokes every listener registered for the event; close()
      // only prevents later tasks (events) from being dispatched.
      expect(seen).toEqual([
        ['first', '1', EventSource.OPEN],
        ['second', '1', EventSource.CLOSED],
      ])
    })

    it('in onerror while reconnecting: no further request, no more events', async () => {
      const key = uniqueKey('close-onerror')
      const es = start([{ chunks: ['retry: 50\ndata: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }], key)
      const events = collect(es, ALL_TYPES)
      let stateAfterClose = -1
      es.onerror = () => {
        es.close()
        stateAfterClose = es.readyState
      }
      await events.waitFor(3)
      await delay(QUIET_WINDOW_MS)
      // §9.2.3 reestablish step 5.1: "If the EventSource object's readyState
      // attribute is not set to CONNECTING, then return."
      expect(stateAfterClose).toBe(EventSource.CLOSED)
      expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0'])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it('in onerror after a network error: no further request', async () => {
      const key = uniqueKey('close-onerror-network')
      const es = start(
        [{ chunks: ['retry: 50\n'] }, { destroyBeforeHeaders: true }, { chunks: ['data: b\n\n'], end: 'hang' }],
        key,
      )
      const events = collect(es, ALL_TYPES)
      let errors = 0
      es.onerror = () => {
        errors += 1
        if (errors === 2) es.close()
      }
      await events.waitFor(3)
      await delay(QUIET_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1', 'error @0', 'error @0'])
      expect(es.readyState).toBe(EventSource.CLOSED)
      expect((await attempts(origin, key)).length).toBe(2)
    })
  })
})
