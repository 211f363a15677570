// Issue 4, what an `error` event carries: an `EventSourceErrorEvent` — still an
// `Event` named `error`, so drop-in users see nothing new — with `message`,
// `status?`, `response?` (headers readable), `cause?`, `willReconnect` and
// `reconnectDelay?`, for each way a connection can go wrong.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource, EventSourceErrorEvent } from '../src/index.js'
import { closeAll, collect, scriptUrl, track, uniqueKey } from './support/script.js'

const origin = inject('sseOrigin')
const refusedOrigin = inject('sseRefusedOrigin')

afterEach(closeAll)

/** The first error event of `es`, as the class it must be. */
async function firstError(es: EventSource): Promise<EventSourceErrorEvent> {
  const recorded = await collect(es, ['error']).waitForType('error')
  const event = recorded.event
  expect(event).toBeInstanceOf(EventSourceErrorEvent)
  return event as EventSourceErrorEvent
}

describe('the event itself', () => {
  it('is an Event named error that neither bubbles nor can be cancelled, delivered to onerror too', async () => {
    const es = track(new EventSource(`${refusedOrigin}/x`, { retry: { delay: 5000 } }))
    const viaHandler = new Promise<Event>((resolve) => {
      es.onerror = (event) => resolve(event)
    })
    const event = await firstError(es)
    expect(event).toBeInstanceOf(Event)
    expect(event.type).toBe('error')
    expect(event.bubbles).toBe(false)
    expect(event.cancelable).toBe(false)
    expect(event.isTrusted).toBe(false)
    expect(event.target).toBe(es)
    expect(await viaHandler).toBe(event)
  })
})

describe('fields per cause', () => {
  it('connection refused: message names the URL, cause set, no status, willReconnect with the delay', async () => {
    const url = `${refusedOrigin}/refused`
    const es = track(new EventSource(url, { retry: { delay: 5000 } }))
    const event = await firstError(es)
    expect(es.readyState).toBe(EventSource.CONNECTING)
    expect(event.message).toContain(url)
    expect(event.cause).toBeInstanceOf(Error)
    expect(event.status).toBeUndefined()
    expect(event.response).toBeUndefined()
    expect(event.willReconnect).toBe(true)
    expect(event.reconnectDelay).toBe(5000)
  })

  it('a stream that ends: willReconnect with the server’s retry as reconnectDelay, no status, no cause', async () => {
    const key = uniqueKey('errors-eof')
    const es = track(new EventSource(scriptUrl(origin, key, [{ chunks: ['retry: 4000\ndata: a\n\n'] }])))
    const event = await firstError(es)
    expect(event.willReconnect).toBe(true)
    expect(event.reconnectDelay).toBe(4000)
    expect(event.status).toBeUndefined()
    expect(event.response).toBeUndefined()
    expect(event.cause).toBeUndefined()
    expect(event.message).toMatch(/end/i)
  })

  it('a body that breaks mid-stream: cause set, willReconnect', async () => {
    const key = uniqueKey('errors-destroy')
    const es = track(new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'], end: 'destroy' }]), { retry: { delay: 5000 } }))
    const event = await firstError(es)
    expect(event.cause).toBeDefined()
    expect(event.status).toBeUndefined()
    expect(event.willReconnect).toBe(true)
    expect(event.message.length).toBeGreaterThan(0)
  })

  it('a non-200 status: status, a response with readable headers, willReconnect false, no delay', async () => {
    const key = uniqueKey('errors-status')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [{ status: 401, headers: { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' }, chunks: ['no'] }]),
      ),
    )
    const event = await firstError(es)
    expect(es.readyState).toBe(EventSource.CLOSED)
    expect(event.status).toBe(401)
    expect(event.response).toBeInstanceOf(Response)
    expect(event.response?.status).toBe(401)
    expect(event.response?.headers.get('www-authenticate')).toBe('Bearer')
    expect(event.willReconnect).toBe(false)
    expect(event.reconnectDelay).toBeUndefined()
    expect(event.message).toContain('401')
  })

  it('a wrong Content-Type: status 200, the response, and a message naming the type', async () => {
    const key = uniqueKey('errors-mime')
    const es = track(new EventSource(scriptUrl(origin, key, [{ headers: { 'Content-Type': 'application/json' }, chunks: ['{}'] }])))
    const event = await firstError(es)
    expect(event.status).toBe(200)
    expect(event.response?.headers.get('content-type')).toBe('application/json')
    expect(event.willReconnect).toBe(false)
    expect(event.message).toContain('application/json')
  })

  it('a status listed in retry.statusCodes: status and response, willReconnect with the delay', async () => {
    const key = uniqueKey('errors-503')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ status: 503, headers: { 'Content-Type': 'text/plain', 'Retry-After': '7' } }]), {
        retry: { delay: 50, statusCodes: [503] },
      }),
    )
    const event = await firstError(es)
    expect(es.readyState).toBe(EventSource.CONNECTING)
    expect(event.status).toBe(503)
    expect(event.response?.headers.get('retry-after')).toBe('7')
    expect(event.willReconnect).toBe(true)
    expect(event.reconnectDelay).toBe(7000)
  })

  it('readyState matches willReconnect when listeners run (CONNECTING vs CLOSED)', async () => {
    const key = uniqueKey('errors-state')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['data: a\n\n'] }, { status: 404 }]), { retry: { delay: 30 } }),
    )
    const seen: Array<[number, boolean]> = []
    es.addEventListener('error', (event) => seen.push([es.readyState, event.willReconnect]))
    await collect(es, ['error']).waitForType('error', 2)
    expect(seen).toEqual([
      [EventSource.CONNECTING, true],
      [EventSource.CLOSED, false],
    ])
  })
})
