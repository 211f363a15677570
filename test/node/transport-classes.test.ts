/**
 * `EventSource` and `fetchEvents()` with `fetch: transport` (issue 21)
 * against the scriptable server: a handful of behaviours that go through
 * every part of the transport the model uses (status, headers, url after
 * redirects, the body reader, abort). The whole suite runs on the Node
 * transport, the default on Node, in `npm test` (test/support/transport-setup.ts).
 */
import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource, EventStreamError, fetchEvents } from '../../src/index.js'
import { createNodeTransport, nodeFetch } from '../../src/node-transport/index.js'
import { at, attempts, closeAll, collect, header, scriptUrl, signal, track, uniqueKey } from '../support/script.js'

const origin = inject('sseOrigin')
const crossOrigin = inject('sseCrossOrigin')

afterEach(closeAll)

const FAST = { initialDelay: 10, maxDelay: 10, jitter: 0 }

// Both response shapes: a real Response (the default) and `response: 'light'`
// (a LightResponse, cast to fetch's type as the model would take it).
const lightFetch = createNodeTransport({ response: 'light' }) as typeof fetch
// And `response: 'auto'`, the library's default on Node: light for event streams only.
const autoFetch = createNodeTransport({ response: 'auto' }) as typeof fetch
describe.each([
  ['nodeFetch', nodeFetch as typeof fetch],
  ['light', lightFetch],
  ['auto', autoFetch],
])('on %s', (_name, transport) => {

  describe('EventSource on nodeFetch', () => {
    it('messages, ids, a reconnect that sends Last-Event-ID and the stream headers', async () => {
      const key = uniqueKey('nt-es')
      const es = track(
        new EventSource(scriptUrl(origin, key, [{ chunks: ['retry: 10\nid: 7\ndata: a\n\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }]), {
          fetch: transport,
          headers: { 'X-User': 'u' },
        }),
      )
      const events = collect(es)
      await events.waitForType('message', 2)
      expect(events.events.filter((e) => e.type === 'message').map((e) => e.data)).toEqual(['a', 'b'])
      const log = await attempts(origin, key, { min: 2 })
      expect(header(at(log, 0), 'accept')).toBe('text/event-stream')
      expect(header(at(log, 0), 'x-user')).toBe('u')
      expect(header(at(log, 0), 'last-event-id')).toBeNull()
      expect(header(at(log, 1), 'last-event-id')).toBe('7')
      expect(header(at(log, 1), 'cache-control')).toBe('no-cache')
    })

    it('a redirect to another origin: event.origin is the final URL\'s; Authorization not sent there', async () => {
      const key = uniqueKey('nt-redirect')
      const target = scriptUrl(crossOrigin, key, [{ status: 302 }, { chunks: ['data: moved\n\n'], end: 'hang' }])
      const start = scriptUrl(origin, key, [{ status: 307, headers: { location: target } }, { chunks: ['data: moved\n\n'], end: 'hang' }])
      const es = track(new EventSource(start, { fetch: transport, headers: { authorization: 'Bearer secret' } }))
      const events = collect(es)
      const message = await events.waitForType('message', 1)
      expect(message.data).toBe('moved')
      expect(message.origin).toBe(crossOrigin)
      const log = await attempts(origin, key, { min: 2 })
      expect(header(at(log, 0), 'authorization')).toBe('Bearer secret')
      expect(at(log, 1).server).toBe('cross')
      expect(header(at(log, 1), 'authorization')).toBeNull()
    })

    it('a wrong Content-Type fails the connection: error, CLOSED, no reconnect', async () => {
      const key = uniqueKey('nt-type')
      const es = track(new EventSource(scriptUrl(origin, key, [{ headers: { 'content-type': 'text/plain' }, chunks: ['data: x\n\n'] }]), { fetch: transport }))
      const events = collect(es)
      await events.waitForType('error', 1)
      expect(es.readyState).toBe(EventSource.CLOSED)
      expect(await attempts(origin, key, { min: 1, timeout: 200 })).toHaveLength(1)
    })

    it('a reset mid-body: error, then a reconnect that resumes', async () => {
      const key = uniqueKey('nt-reset')
      const es = track(
        new EventSource(scriptUrl(origin, key, [{ chunks: ['retry: 10\nid: 1\ndata: one\n\ndata: pa'], end: 'destroy' }, { chunks: ['data: two\n\n'], end: 'hang' }]), {
          fetch: transport,
        }),
      )
      const events = collect(es)
      await events.waitForType('message', 2)
      expect(events.events.map((e) => `${e.type}${e.data === undefined ? '' : ` ${e.data}`}`)).toEqual(['open', 'message one', 'error', 'open', 'message two'])
      const log = await attempts(origin, key, { min: 2 })
      expect(header(at(log, 1), 'last-event-id')).toBe('1')
    })

    it('close() aborts the request: the server sees the client go', async () => {
      const key = uniqueKey('nt-close')
      const es = track(new EventSource(scriptUrl(origin, key, [{ chunks: ['data: open\n\n'], end: 'hang' }]), { fetch: transport }))
      await collect(es).waitForType('message', 1)
      es.close()
      const log = await attempts(origin, key, { min: 1, closed: 1 })
      expect(at(log, 0).closedByClient).toBe(true)
    })
  })

  describe('fetchEvents on nodeFetch', () => {
    it('POST with a body and headers; yields each event, ends at a clean end', async () => {
      const key = uniqueKey('nt-fe')
      const url = scriptUrl(origin, key, [{ chunks: ['data: 1\n\n', { delay: 20 }, 'event: x\ndata: 2\n\n'] }])
      const seen: string[] = []
      for await (const event of fetchEvents(url, { fetch: transport, method: 'POST', body: JSON.stringify({ q: 1 }), headers: { 'content-type': 'application/json' } })) {
        seen.push(`${event.type}:${event.data}`)
      }
      expect(seen).toEqual(['message:1', 'x:2'])
      const log = await attempts(origin, key, { min: 1 })
      expect(at(log, 0).method).toBe('POST')
      expect(atob(at(log, 0).bodyBase64)).toBe('{"q":1}')
      expect(header(at(log, 0), 'content-type')).toBe('application/json')
    })

    it('a non-200 status throws EventStreamError with the response', async () => {
      const url = scriptUrl(origin, uniqueKey('nt-fe-404'), [{ status: 404, chunks: ['nope'] }])
      const error = await (async () => {
        try {
          for await (const _ of fetchEvents(url, { fetch: transport, retry: FAST })) void _
        } catch (caught) {
          return caught
        }
        return undefined
      })()
      expect(error).toBeInstanceOf(EventStreamError)
      expect((error as EventStreamError).response?.status).toBe(404)
    })

    it('the caller\'s abort mid-stream ends the iteration and the request', async () => {
      const key = uniqueKey('nt-fe-abort')
      const url = scriptUrl(origin, key, [{ chunks: ['data: a\n\n', { await: 'never' }], end: 'hang' }])
      const controller = new AbortController()
      const seen: string[] = []
      const run = (async () => {
        for await (const event of fetchEvents(url, { fetch: transport, signal: controller.signal })) {
          seen.push(event.data)
          controller.abort()
        }
      })()
      await run.catch(() => {})
      expect(seen).toEqual(['a'])
      const log = await attempts(origin, key, { min: 1, closed: 1 })
      expect(at(log, 0).closedByClient).toBe(true)
      await signal(origin, key, 'never')
    })
  })
})

describe("response: 'auto'", () => {
  it('a 200 event stream comes as the light response; any other response as a real Response', async () => {
    const stream = await autoFetch(scriptUrl(origin, uniqueKey('auto-200'), [{ chunks: ['data: a\n\n'] }]))
    expect(stream).not.toBeInstanceOf(Response)
    expect(stream.status).toBe(200)
    await stream.body?.cancel()
    const refused = await autoFetch(scriptUrl(origin, uniqueKey('auto-401'), [{ status: 401, chunks: ['no'] }]))
    expect(refused).toBeInstanceOf(Response)
    expect(await refused.text()).toBe('no')
    const html = await autoFetch(scriptUrl(origin, uniqueKey('auto-html'), [{ headers: { 'content-type': 'text/html' }, chunks: ['<p>'] }]))
    expect(html).toBeInstanceOf(Response)
    await html.body?.cancel()
  })
})
