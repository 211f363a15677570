// Checks the scriptable test server itself with plain fetch, so a failure in
// the EventSource suites can be trusted to be the client's fault, not the
// harness's.

import { describe, expect, inject, it } from 'vitest'
import { FETCH_RESENDS, IN_BROWSER, attempts, header, headerBytes, requestLog, scriptUrl, signal, uniqueKey } from './support/script.js'

const origin = inject('sseOrigin')
const crossOrigin = inject('sseCrossOrigin')

describe('scriptable SSE server', () => {
  it('serves attempt n to request n and repeats the last attempt', async () => {
    const key = uniqueKey('server-attempts')
    const url = scriptUrl(origin, key, [{ chunks: ['data: 0\n\n'] }, { chunks: ['data: 1\n\n'] }])
    const bodies: string[] = []
    for (let i = 0; i < 3; i++) bodies.push(await (await fetch(url)).text())
    expect(bodies).toEqual(['data: 0\n\n', 'data: 1\n\n', 'data: 1\n\n'])
    const log = await attempts(origin, key)
    expect(log.map((r) => r.attempt)).toEqual([0, 1, 2])
  })

  it('uses `then` past the listed attempts', async () => {
    const key = uniqueKey('server-then')
    const url = scriptUrl(origin, key, { attempts: [{ chunks: ['a'] }], then: { status: 204 } })
    expect(await (await fetch(url)).text()).toBe('a')
    expect((await fetch(url)).status).toBe(204)
  })

  it('sends the default event-stream Content-Type only when no headers are scripted', async () => {
    const key = uniqueKey('server-headers')
    const plain = await fetch(scriptUrl(origin, key, [{}]))
    expect(plain.headers.get('content-type')).toBe('text/event-stream')
    const none = await fetch(scriptUrl(origin, uniqueKey('server-noheaders'), [{ headers: {} }]))
    expect(none.headers.get('content-type')).toBeNull()
  })

  it('writes hex chunks as raw bytes', async () => {
    const response = await fetch(scriptUrl(origin, uniqueKey('server-hex'), [{ chunks: [{ hex: 'EF BB BF ff' }] }]))
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0xef, 0xbb, 0xbf, 0xff])
  })

  it('logs raw header bytes, so UTF-8 header values survive', async () => {
    const key = uniqueKey('server-raw')
    const utf8 = new TextEncoder().encode('é…')
    await (await fetch(scriptUrl(origin, key, [{}]), { headers: { 'X-Test': String.fromCharCode(...utf8) } })).text()
    const [request] = await attempts(origin, key, { min: 1 })
    expect(request).toBeDefined()
    if (request === undefined) return
    expect([...(headerBytes(request, 'x-test') ?? [])]).toEqual([...utf8])
    expect(header(request, 'X-TEST')).toBe('é…')
  })

  it('destroys the socket before headers when asked (a network error for fetch)', async () => {
    const key = uniqueKey('server-destroy')
    await expect(fetch(scriptUrl(origin, key, [{ destroyBeforeHeaders: true }]))).rejects.toThrow()
  })

  it('takes this runtime’s own resends of a destroyed request as the same attempt (FETCH_RESENDS)', async () => {
    const key = uniqueKey('server-resends')
    const url = scriptUrl(origin, key, [{ destroyBeforeHeaders: true }, { chunks: ['ok'] }])
    await expect(fetch(url)).rejects.toThrow()
    // If the runtime resent more or less often than FETCH_RESENDS says, this request would be
    // destroyed as a leftover resend, or the resend would have used up attempt 1.
    expect(await (await fetch(url)).text()).toBe('ok')
    expect((await attempts(origin, key, { min: 2 })).map((r) => r.attempt)).toEqual([0, 1])
    const log = await requestLog(origin, key, { min: 2 })
    expect(log.map((r) => [r.attempt, r.resend === true])).toEqual([
      [0, false],
      ...Array.from({ length: FETCH_RESENDS }, () => [0, true]),
      [1, false],
    ])
  })

  it('holds `await` chunks until signalled and records the client going away', async () => {
    const key = uniqueKey('server-await')
    const controller = new AbortController()
    const response = await fetch(scriptUrl(origin, key, [{ chunks: ['a', { await: 'go' }, 'b'], end: 'hang' }]), {
      signal: controller.signal,
    })
    const reader = response.body?.getReader()
    if (reader === undefined) throw new Error('no body')
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('a')
    await signal(origin, key, 'go')
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('b')
    controller.abort()
    const [request] = await requestLog(origin, key, { closed: 1 })
    expect(request?.closedByClient).toBe(true)
  })

  it('shares scripts and logs between the two origins', async () => {
    const key = uniqueKey('server-cross')
    await (await fetch(scriptUrl(crossOrigin, key, [{}]))).text()
    const log = await attempts(origin, key, { min: 1 })
    expect(log.map((r) => r.server)).toEqual(['cross'])
    expect(new URL(crossOrigin).port).not.toBe(new URL(origin).port)
  })

  it('answers CORS preflights and echoes the Origin with credentials allowed', async (context) => {
    // `Origin` and `Access-Control-Request-*` are forbidden request headers: a browser drops the
    // script's values and sends its own (and preflights this OPTIONS request itself).
    context.skip(
      IN_BROWSER,
      'a browser sets Origin and Access-Control-Request-* itself (forbidden request headers); there every request of the suite to this server is cross-origin and goes through these CORS answers',
    )
    const key = uniqueKey('server-cors')
    const preflight = await fetch(scriptUrl(origin, key, [{}]), {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://example.test')
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true')
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST')
    const actual = await fetch(scriptUrl(origin, key, [{}]), { headers: { Origin: 'http://example.test' } })
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://example.test')
    expect(actual.headers.get('access-control-expose-headers')).toContain('Content-Type')
    // The preflight is logged but does not use up an attempt.
    const log = await requestLog(origin, key, { min: 2 })
    expect(log.map((r) => [r.method, r.attempt])).toEqual([
      ['OPTIONS', null],
      ['GET', 0],
    ])
  })

  it('records POST bodies', async () => {
    const key = uniqueKey('server-post')
    await (await fetch(scriptUrl(origin, key, [{}]), { method: 'POST', body: 'hello' })).text()
    const [request] = await attempts(origin, key, { min: 1 })
    expect(request?.method).toBe('POST')
    expect(atob(request?.bodyBase64 ?? '')).toBe('hello')
  })

  it('404s unknown paths', async () => {
    expect((await fetch(`${origin}/nope`)).status).toBe(404)
  })
})
