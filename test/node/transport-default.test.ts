/**
 * Issue 21: on Node the package entry (its `node` export condition,
 * src/index.node.ts) sends requests through the Node transport when no
 * `fetch` is given; `transport: 'fetch'` keeps Node's fetch; a `fetch` option
 * always wins; a globalThis.fetch replaced after load (msw, nock, a stub) is
 * used, as it was before. Which transport carried a request is seen at
 * `http.request`, the transport's way onto the wire, which Node's fetch
 * (undici) never calls.
 */
import http from 'node:http'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { EventSource, EventStreamError, fetchEvents, type EventSourceErrorEvent } from '../../src/index.node.js'
import { closeAll, collect, scriptUrl, track, uniqueKey } from '../support/script.js'

const origin = inject('sseOrigin')

afterEach(() => {
  closeAll()
  vi.restoreAllMocks()
})

const stream = (key: string): string => scriptUrl(origin, key, [{ chunks: ['id: 1\ndata: one\n\n'], end: 'hang' }])

/** Counts the requests the Node transport puts on the wire, passing them through. */
function countHttpRequests(): { readonly count: number } {
  const spy = vi.spyOn(http, 'request')
  return {
    get count() {
      return spy.mock.calls.length
    },
  }
}

describe('the default transport on Node', () => {
  it('EventSource with no fetch goes through the Node transport', async () => {
    const wire = countHttpRequests()
    const es = track(new EventSource(stream(uniqueKey('default-es'))))
    const message = await collect(es).waitForType('message', 1)
    expect(message.data).toBe('one')
    expect(wire.count).toBe(1)
  })

  it('fetchEvents() with no fetch goes through the Node transport', async () => {
    const wire = countHttpRequests()
    for await (const event of fetchEvents(stream(uniqueKey('default-fe')))) {
      expect(event.data).toBe('one')
      break
    }
    expect(wire.count).toBe(1)
  })

  it("transport: 'fetch' keeps Node's fetch", async () => {
    const wire = countHttpRequests()
    const es = track(new EventSource(stream(uniqueKey('transport-fetch')), { transport: 'fetch' }))
    const message = await collect(es).waitForType('message', 1)
    expect(message.data).toBe('one')
    expect(wire.count).toBe(0)
  })

  it('a fetch option wins over the transport', async () => {
    const wire = countHttpRequests()
    const given = vi.fn((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
    const es = track(new EventSource(stream(uniqueKey('fetch-option')), { fetch: given, transport: 'auto' }))
    await collect(es).waitForType('message', 1)
    expect(given).toHaveBeenCalledTimes(1)
    expect(wire.count).toBe(0)
  })

  it('a globalThis.fetch replaced after load (msw, nock, a stub) is what requests go through', async () => {
    const wire = countHttpRequests()
    const runtimeFetch = globalThis.fetch
    const stub = vi.fn((input: RequestInfo | URL, init?: RequestInit) => runtimeFetch(input, init))
    vi.stubGlobal('fetch', stub)
    try {
      const es = track(new EventSource(stream(uniqueKey('replaced-fetch'))))
      await collect(es).waitForType('message', 1)
    } finally {
      vi.unstubAllGlobals()
    }
    expect(stub).toHaveBeenCalledTimes(1)
    expect(wire.count).toBe(0)
  })

  it('an error carries a real Response, headers and all, with its body read into `body`', async () => {
    const url = scriptUrl(origin, uniqueKey('default-401'), [{ status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }, chunks: ['{"error":"expired"}'] }])
    const es = track(new EventSource(url, { retry: false }))
    const error = await new Promise<EventSourceErrorEvent>((resolve) => es.addEventListener('error', resolve))
    expect(error.response).toBeInstanceOf(Response)
    expect(error.response?.headers.get('www-authenticate')).toBe('Bearer')
    expect(error.body).toBe('{"error":"expired"}')
    const thrown = await (async () => {
      for await (const _ of fetchEvents(url)) break
    })().catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(EventStreamError)
    expect((thrown as EventStreamError).response).toBeInstanceOf(Response)
  })
})
