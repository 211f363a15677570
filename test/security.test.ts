// Issue 4, security: credentials given in `headers` (Authorization, Cookie)
// never reach another origin after a redirect — neither on the redirected
// request nor on a reconnect — and header values or a `lastEventId` with CR,
// LF or NUL are refused with a TypeError at construction, before anything is
// sent. The second origin of the test server plays the other site.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource, type EventSourceErrorEvent } from '../src/index.js'
import { attempts, closeAll, collect, delay, header, scriptUrl, track, uniqueKey } from './support/script.js'

const origin = inject('sseOrigin')
const crossOrigin = inject('sseCrossOrigin')

afterEach(closeAll)

const SECRET_HEADERS = { Authorization: 'Bearer secret-token', Cookie: 'session=secret' }

describe('credentials in headers after a redirect', () => {
  it('are kept on a same-origin redirect (so the next test is not vacuous)', async () => {
    const targetKey = uniqueKey('sec-same-target')
    const target = scriptUrl(origin, targetKey, [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const start = scriptUrl(origin, uniqueKey('sec-same-start'), [{ status: 307, headers: { Location: target } }])
    const es = track(new EventSource(start, { headers: SECRET_HEADERS }))
    await collect(es).waitForType('message')
    const [request] = await attempts(origin, targetKey, { min: 1 })
    expect(request === undefined ? null : header(request, 'authorization')).toBe('Bearer secret-token')
  })

  for (const status of [301, 302, 303, 307, 308]) {
    it(`are not sent to another origin after a ${status}`, async () => {
      const targetKey = uniqueKey(`sec-cross-${status}`)
      const target = scriptUrl(crossOrigin, targetKey, [{ chunks: ['data: x\n\n'], end: 'hang' }])
      const startKey = uniqueKey(`sec-cross-start-${status}`)
      const start = scriptUrl(origin, startKey, [{ status, headers: { Location: target } }])
      const es = track(new EventSource(start, { headers: SECRET_HEADERS }))
      await collect(es).waitForType('message')
      const [first] = await attempts(origin, startKey, { min: 1 })
      // Sent to the origin the user named…
      expect(first === undefined ? null : header(first, 'authorization')).toBe('Bearer secret-token')
      // …never to the one the server redirected to.
      const followed = await attempts(origin, targetKey, { min: 1 })
      expect(followed.map((r) => [r.server, header(r, 'authorization'), header(r, 'cookie')])).toEqual([
        ['cross', null, null],
      ])
    })
  }

  it('are not sent to the other origin on a reconnect either (which goes to the final URL)', async () => {
    const targetKey = uniqueKey('sec-reconnect-target')
    const target = scriptUrl(crossOrigin, targetKey, [
      { chunks: ['data: first\n\n'] },
      { chunks: ['data: second\n\n'], end: 'hang' },
    ])
    const startKey = uniqueKey('sec-reconnect-start')
    const start = scriptUrl(origin, startKey, [{ status: 307, headers: { Location: target } }])
    let calls = 0
    const es = track(
      new EventSource(start, {
        // A function, as a token refresher would be: called again for the reconnect.
        headers: () => {
          calls += 1
          return SECRET_HEADERS
        },
        retry: { delay: 50 },
      }),
    )
    const events = collect(es)
    await events.waitForType('message', 2)
    expect(calls).toBeGreaterThanOrEqual(2)
    const crossRequests = (await attempts(origin, targetKey)).filter((r) => r.server === 'cross')
    expect(crossRequests.length).toBe(2)
    expect(crossRequests.map((r) => [header(r, 'authorization'), header(r, 'cookie')])).toEqual([
      [null, null],
      [null, null],
    ])
  })
})

describe('CR, LF and NUL are refused at construction', () => {
  const bad = [
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['CRLF (header injection)', 'a\r\nX-Injected: 1'],
    ['NUL', 'a\0b'],
  ] as const

  for (const [what, value] of bad) {
    it(`a header value with ${what} (object and array forms) → TypeError, nothing sent`, async () => {
      const key = uniqueKey('sec-header')
      const url = scriptUrl(origin, key, [{}])
      expect(() => new EventSource(url, { headers: { 'X-Value': value } })).toThrow(TypeError)
      expect(() => new EventSource(url, { headers: [['X-Value', value]] })).toThrow(TypeError)
      expect(() => new EventSource(url, { headers: { Authorization: value } })).toThrow(TypeError)
      await delay(50)
      expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
    })

    it(`a lastEventId with ${what} → TypeError, nothing sent`, async () => {
      const key = uniqueKey('sec-leid')
      expect(() => new EventSource(scriptUrl(origin, key, [{}]), { lastEventId: value })).toThrow(TypeError)
      await delay(50)
      expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
    })
  }

  it('an invalid header name → TypeError', () => {
    expect(() => new EventSource(`${origin}/never`, { headers: { 'Bad Name': 'x' } })).toThrow(TypeError)
    expect(() => new EventSource(`${origin}/never`, { headers: { 'X-Ok:': 'x' } })).toThrow(TypeError)
  })

  it('a headers function returning CR/LF fails the connection before sending anything', async () => {
    // A function's value is only known per attempt, so this cannot throw at
    // construction; it must still never reach the wire, nor loop.
    const key = uniqueKey('sec-header-fn')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{}]), {
        headers: () => ({ 'X-Value': 'a\r\nX-Injected: 1' }),
        retry: { delay: 30 },
      }),
    )
    const events = collect(es)
    await events.waitForType('error')
    await delay(300)
    expect(events.summary()).toEqual(['error @2'])
    const error = events.events[0]?.event as EventSourceErrorEvent
    expect(error.willReconnect).toBe(false)
    expect(error.cause).toBeInstanceOf(TypeError)
    expect(await attempts(origin, key, { timeout: 0 })).toEqual([])
  })
})
