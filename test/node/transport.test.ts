/**
 * The Node transport (src/node-transport, issue 21) against Node's global
 * fetch, side by side on the same real servers on 127.0.0.1: every case runs
 * both and expects the same observable outcome, and pins that outcome too
 * (so both being wrong the same way still fails).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeTransport, nodeFetch, type NodeTransport } from '../../src/node-transport/index.js'

const CERT = readFileSync(new URL('./fixtures/tls-cert.pem', import.meta.url))
const KEY = readFileSync(new URL('./fixtures/tls-key.pem', import.meta.url))

type Fetch = (input: string, init?: RequestInit) => Promise<Response>
// `response: 'light'` returns a LightResponse (no web stream); cast to the
// fetch shape as the model would take it.
const lightFetch = createNodeTransport({ response: 'light' })
const TRANSPORTS: Array<[string, Fetch]> = [
  ['fetch', (input, init) => fetch(input, init)],
  ['nodeFetch', nodeFetch],
  ['nodeFetch light', lightFetch],
]

/** Runs `probe` with each transport; expects the same result from each as from fetch, and returns it. */
async function same<T>(probe: (f: Fetch) => Promise<T>): Promise<T> {
  const reference = await probe(TRANSPORTS[0]![1])
  for (const [name, f] of TRANSPORTS.slice(1)) expect(await probe(f), `${name} differs from fetch`).toEqual(reference)
  return reference
}

type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void
const routes = new Map<string, Route>()
const sockets = new Set<Socket>()
let origin = ''
let crossOrigin = ''
/** Body bytes the server managed to hand to the socket, per path (backpressure cases). */
const written = new Map<string, number>()

function serve(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const route = routes.get(path)
    if (route === undefined) res.writeHead(404).end()
    else route(req, res, Buffer.concat(chunks))
  })
}

const servers: Array<http.Server | https.Server | http2.Http2SecureServer> = []
function listen(server: http.Server | https.Server | http2.Http2SecureServer): Promise<string> {
  servers.push(server)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as AddressInfo).port))))
}

/**
 * What the server saw: method, headers, body. Header names lower-case and
 * sorted: a `Headers` object gives no other order to a transport (its
 * iteration is sorted), while undici writes its internal insertion order;
 * order carries no meaning in HTTP (RFC 9110 §5.3), the set must match.
 * Host is left out: it has the port.
 */
function echo(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const headers: Array<[string, string]> = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase()
    if (name !== 'host') headers.push([name, req.rawHeaders[i + 1]!])
  }
  headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ method: req.method, url: req.url, headers, body: body.toString('latin1') }))
}

/** A gzip body that inflates to `mib` MiB of zeros: one 16 MiB member repeated (multi-member gzip). */
function zerosGzip(mib: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(16 << 20), { level: 9 })
  return Buffer.concat(Array<Buffer>(mib / 16).fill(member))
}

beforeAll(async () => {
  origin = `http://127.0.0.1:${await listen(http.createServer(serve))}`
  crossOrigin = `http://127.0.0.1:${await listen(http.createServer(serve))}`
  routes.set('/echo', echo)
  routes.set('/redirect', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    res.writeHead(Number(url.searchParams.get('status')), { location: url.searchParams.get('to') ?? '/echo' })
    res.end('redirect body')
  })
  routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end())
  routes.set('/no-location', (_req, res) => res.writeHead(302, { 'content-type': 'text/plain' }).end('stay'))
  const text = 'data: déjà vu\n\n'.repeat(50)
  const encoded: Record<string, Buffer> = {
    gzip: zlib.gzipSync(text),
    'x-gzip': zlib.gzipSync(text),
    deflate: zlib.deflateSync(text),
    'deflate-raw': zlib.deflateRawSync(text),
    br: zlib.brotliCompressSync(text),
    'gzip, br': zlib.brotliCompressSync(zlib.gzipSync(text)),
    identity: Buffer.from(text),
    unknown: Buffer.from(text),
  }
  const zstd = (zlib as unknown as { zstdCompressSync?: (b: string) => Buffer }).zstdCompressSync
  if (zstd !== undefined) encoded.zstd = zstd(text)
  routes.set('/encoded', (req, res) => {
    const coding = new URL(req.url ?? '/', 'http://x').searchParams.get('coding') ?? ''
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': coding === 'deflate-raw' ? 'deflate' : coding })
    res.end(encoded[coding])
  })
  routes.set('/broken-gzip', (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' })
    res.end(Buffer.concat([zlib.gzipSync(text).subarray(0, 20), Buffer.from('not gzip at all, not at all')]))
  })
  routes.set('/bomb', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' })
    res.end(BOMB)
  })
  routes.set('/hang-headers', () => {})
  routes.set('/hang-body', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
  })
  routes.set('/reset', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    // Part of an event, then a TCP reset in the middle of the chunk.
    res.write('data: whole\n\ndata: hal', () => setTimeout(() => req.socket.resetAndDestroy(), 50))
  })
  routes.set('/invalid-utf8', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x0a, 0x0a]))
  })
  routes.set('/flood', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const path = `/flood${new URL(req.url ?? '/', 'http://x').search}`
    written.set(path, 0)
    const chunk = Buffer.from(`data: ${'x'.repeat(65_000)}\n\n`)
    const pump = (): void => {
      while (!res.destroyed) {
        written.set(path, (written.get(path) ?? 0) + chunk.length)
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
    }
    pump()
  })
  routes.set('/status', (req, res) => {
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('s'))
    res.writeHead(status, 'Custom Reason', { 'x-test': 'a', 'set-cookie': ['a=1', 'b=2'] })
    res.end(status === 204 || status === 304 ? undefined : 'body')
  })
})

let BOMB: Buffer
beforeAll(() => {
  BOMB = zerosGzip(1024)
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

async function echoed(f: Fetch, url: string, init?: RequestInit): Promise<{ status: number; url: string; redirected: boolean; seen: unknown }> {
  const response = await f(url, init)
  return { status: response.status, url: response.url, redirected: response.redirected, seen: await response.json() }
}

/** The caller's request, as src/request.ts builds it for an attempt. */
function streamHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({ ...extra, Accept: 'text/event-stream', 'Last-Event-ID': '42', 'Cache-Control': 'no-cache', Pragma: 'no-cache' })
}

describe('request on the wire', () => {
  it('GET with the stream headers: the same header names, values and order as fetch', async () => {
    const result = await same((f) =>
      echoed(f, `${origin}/echo?x=1`, { headers: streamHeaders({ 'X-User': 'u' }), cache: 'no-store', mode: 'cors', credentials: 'same-origin' }),
    )
    expect(result.seen).toMatchObject({ method: 'GET', url: '/echo?x=1', body: '' })
    const names = (result.seen as { headers: Array<[string, string]> }).headers.map(([name]) => name)
    expect(names).toEqual(expect.arrayContaining(['accept', 'last-event-id', 'cache-control', 'pragma', 'x-user', 'user-agent', 'accept-encoding']))
  })

  it.each([
    ['a string', () => 'héllo'],
    ['a Uint8Array', () => new Uint8Array([0, 1, 255])],
    ['an ArrayBuffer', () => new Uint8Array([9, 8]).buffer],
    ['a Blob with a type', () => new Blob(['blob'], { type: 'text/x-blob' })],
    ['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'é' })],
  ] as Array<[string, () => BodyInit]>)('POST with %s: the same bytes, Content-Type and Content-Length', async (_name, body) => {
    const result = await same((f) => echoed(f, `${origin}/echo`, { method: 'POST', body: body(), headers: { 'x-a': 'b' } }))
    expect((result.seen as { method: string }).method).toBe('POST')
  })

  it('POST with FormData: multipart with a boundary of its own each time, the same parts', async () => {
    const probe = async (f: Fetch): Promise<unknown> => {
      const form = new FormData()
      form.set('field', 'value')
      form.set('file', new Blob(['content'], { type: 'text/plain' }), 'a.txt')
      const { seen } = await echoed(f, `${origin}/echo`, { method: 'POST', body: form })
      const { headers, body } = seen as { headers: Array<[string, string]>; body: string }
      const type = headers.find(([name]) => name === 'content-type')?.[1] ?? ''
      const boundary = /boundary=(.+)$/.exec(type)?.[1] ?? 'none'
      return { type: type.replace(boundary, 'B'), body: body.replaceAll(boundary, 'B') }
    }
    const result = (await same(probe)) as { type: string; body: string }
    expect(result.type).toBe('multipart/form-data; boundary=B')
    expect(result.body).toContain('name="file"; filename="a.txt"')
  })

  it('POST with a ReadableStream body: sent chunked, the same bytes', async () => {
    const result = await same((f) =>
      echoed(f, `${origin}/echo`, {
        method: 'POST',
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('streamed '))
            controller.enqueue(new TextEncoder().encode('body'))
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit),
    )
    expect((result.seen as { body: string }).body).toBe('streamed body')
  })

  it('POST with no body: Content-Length 0, as fetch sends', async () => {
    await same((f) => echoed(f, `${origin}/echo`, { method: 'post' }))
  })

  it('GET with a body: rejects at once with a TypeError, as fetch does', async () => {
    for (const [, f] of TRANSPORTS) await expect(f(`${origin}/echo`, { body: 'x' })).rejects.toThrow(TypeError)
  })
})

describe('response', () => {
  it.each([200, 201, 204, 304, 404, 500])('status %i: status, statusText, headers (set-cookie kept apart), body', async (status) => {
    await same(async (f) => {
      const response = await f(`${origin}/status?s=${status}`)
      return {
        status: response.status,
        statusText: response.statusText,
        xTest: response.headers.get('x-test'),
        cookies: response.headers.getSetCookie(),
        bodyNull: response.body === null,
        text: await response.text(),
      }
    })
  })
})

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])('%i after a POST: method, body and body headers as fetch', async (status) => {
    const result = await same((f) =>
      echoed(f, `${origin}/redirect?status=${status}&to=/echo`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/x-mine', 'x-keep': 'k' } }),
    )
    const seen = result.seen as { method: string; body: string; headers: Array<[string, string]> }
    expect(result.redirected).toBe(true)
    expect(result.url).toBe(`${origin}/echo`)
    expect(seen.method).toBe(status === 307 || status === 308 ? 'POST' : 'GET')
    expect(seen.body).toBe(status === 307 || status === 308 ? 'payload' : '')
  })

  it('303 after a PUT turns it into a GET; 301 after a PUT keeps it', async () => {
    expect(((await same((f) => echoed(f, `${origin}/redirect?status=303`, { method: 'PUT', body: 'x' }))).seen as { method: string }).method).toBe('GET')
    expect(((await same((f) => echoed(f, `${origin}/redirect?status=301`, { method: 'PUT', body: 'x' }))).seen as { method: string }).method).toBe('PUT')
  })

  it('across origins: Authorization and Cookie dropped (as undici), other headers kept; same origin keeps them', async () => {
    const headers = { authorization: 'Bearer t', cookie: 'c=1', 'proxy-authorization': 'Basic p', 'x-other': 'o' }
    const cross = await same((f) => echoed(f, `${origin}/redirect?status=302&to=${encodeURIComponent(`${crossOrigin}/echo`)}`, { headers }))
    const crossNames = (cross.seen as { headers: Array<[string, string]> }).headers.map(([name]) => name)
    expect(crossNames).not.toContain('authorization')
    expect(crossNames).not.toContain('cookie')
    expect(crossNames).toContain('x-other')
    expect(cross.url).toBe(`${crossOrigin}/echo`)
    const sameOrigin = await same((f) => echoed(f, `${origin}/redirect?status=302&to=/echo`, { headers }))
    expect((sameOrigin.seen as { headers: Array<[string, string]> }).headers.map(([name]) => name)).toContain('authorization')
  })

  it('a redirect loop: a network error after 20 redirects ("redirect count exceeded")', async () => {
    const outcome = await same(async (f) => {
      try {
        await f(`${origin}/loop`)
        return 'resolved'
      } catch (error) {
        return { name: (error as Error).name, message: (error as Error).message, cause: ((error as Error).cause as Error | undefined)?.message }
      }
    })
    expect(outcome).toEqual({ name: 'TypeError', message: 'fetch failed', cause: 'redirect count exceeded' })
  })

  it('a redirect with no Location is the response', async () => {
    await same(async (f) => {
      const response = await f(`${origin}/no-location`)
      return { status: response.status, redirected: response.redirected, text: await response.text() }
    })
  })

  it('a 307 of a streamed body is a network error', async () => {
    await same(async (f) => {
      const body = new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array([1]))
          c.close()
        },
      })
      return f(`${origin}/redirect?status=307`, { method: 'POST', body, duplex: 'half' } as RequestInit).then(
        () => 'resolved',
        (error: Error) => error.message,
      )
    })
  })
})

describe('content decoding', () => {
  const codings = ['gzip', 'x-gzip', 'deflate', 'deflate-raw', 'br', 'gzip, br', 'identity', 'unknown', 'zstd']
  it.each(codings)('%s: the same text', async (coding) => {
    const zstdHere = typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
    if (coding === 'zstd' && !zstdHere) return expect.soft(zstdHere, 'zstd: node:zlib has none on this Node; skipped').toBe(false)
    if (coding === 'zstd' && process.versions.undici?.startsWith('6.')) {
      // Node 22's fetch (undici 6) passes a zstd body through undecoded; the
      // transport decodes it wherever node:zlib can (a documented difference).
      const decoded = 'data: déjà vu\n\n'.repeat(50)
      expect(await (await fetch(`${origin}/encoded?coding=zstd`)).text()).not.toBe(decoded)
      expect(await (await nodeFetch(`${origin}/encoded?coding=zstd`)).text()).toBe(decoded)
      return
    }
    const text = await same(async (f) => (await f(`${origin}/encoded?coding=${encodeURIComponent(coding)}`)).text())
    expect(text).toContain('data: déjà vu')
  })

  it('a decode error breaks the body: a TypeError from the reader, as fetch', async () => {
    await same(async (f) => {
      const response = await f(`${origin}/broken-gzip`)
      return response.text().then(
        () => 'no error',
        (error: Error) => error.name,
      )
    })
  })

  it('a gzip bomb (1 GiB of zeros in ~1 MiB) inflates no further ahead of a reader that stopped', async () => {
    for (const [name, f] of TRANSPORTS) {
      const response = await f(`${origin}/bomb`)
      const reader = response.body!.getReader()
      const first = await reader.read()
      expect(first.value?.[0]).toBe(0)
      const before = process.memoryUsage().arrayBuffers
      await new Promise((resolve) => setTimeout(resolve, 300))
      const grown = process.memoryUsage().arrayBuffers - before
      expect(grown, `${name}: ${grown} bytes inflated ahead of the reader`).toBeLessThan(64 << 20)
      await reader.cancel()
    }
  })
})

describe('abort', () => {
  it('before the headers: rejects with the signal\'s reason', async () => {
    await same(async (f) => {
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 50)
      return f(`${origin}/hang-headers`, { signal: controller.signal }).then(
        () => 'resolved',
        (error: DOMException) => ({ name: error.name, isReason: error === controller.signal.reason }),
      )
    })
  })

  it('an already aborted signal: rejects with its reason, no request', async () => {
    await same(async (f) => {
      const reason = new Error('mine')
      return f(`${origin}/echo`, { signal: AbortSignal.abort(reason) }).then(
        () => 'resolved',
        (error: unknown) => error === reason,
      )
    })
  })

  it('an abort while the request body is being read, before any request: rejects with the reason', async () => {
    await same(async (f) => {
      const controller = new AbortController()
      const reason = new Error('mine')
      const pending = f(`${origin}/echo`, { method: 'POST', body: new Blob(['x'.repeat(1024)]), signal: controller.signal })
      controller.abort(reason)
      return pending.then(
        () => 'resolved',
        (error: unknown) => error === reason,
      )
    })
  })

  it('mid-body: the pending read rejects with the reason', async () => {
    // The light body is left out: it is ended by cancel(), not the signal (next case).
    const probe = async (f: Fetch): Promise<unknown> => {
      const controller = new AbortController()
      const response = await f(`${origin}/hang-body`, { signal: controller.signal })
      const reader = response.body!.getReader()
      const first = new TextDecoder().decode((await reader.read()).value)
      setTimeout(() => controller.abort(), 30)
      const second = await reader.read().then(
        () => 'resolved',
        (error: DOMException) => ({ name: error.name, isReason: error === controller.signal.reason }),
      )
      return { first, second }
    }
    const expected = { first: 'data: one\n\n', second: { name: 'AbortError', isReason: true } }
    expect(await probe(TRANSPORTS[0]![1])).toEqual(expected)
    expect(await probe(nodeFetch), 'nodeFetch differs from fetch').toEqual(expected)
  })

  it("light body: after the response the signal no longer ends it; cancel(reason) does, and the pending read rejects with that reason", async () => {
    const controller = new AbortController()
    const response = await lightFetch(`${origin}/hang-body`, { signal: controller.signal })
    const reader = response.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n')
    const second = reader.read().then(
      () => 'resolved',
      (error: unknown) => error,
    )
    controller.abort()
    const stillOpen = await Promise.race([second, new Promise((resolve) => setTimeout(() => resolve('pending'), 100))])
    expect(stillOpen).toBe('pending')
    const reason = new Error('cancelled by the model')
    await reader.cancel(reason)
    expect(await second).toBe(reason)
  })
})

describe('hostile servers', () => {
  it('a reset in the middle of a chunk: the bytes before it, then TypeError "terminated"', async () => {
    const outcome = await same(async (f) => {
      const response = await f(`${origin}/reset`)
      const reader = response.body!.getReader()
      let text = ''
      for (;;) {
        try {
          const { done, value } = await reader.read()
          if (done) return { text, end: 'done' }
          text += new TextDecoder().decode(value)
        } catch (error) {
          return { text, end: `${(error as Error).name}: ${(error as Error).message}` }
        }
      }
    })
    expect(outcome).toEqual({ text: 'data: whole\n\ndata: hal', end: 'TypeError: terminated' })
  })

  it('invalid UTF-8 passes through as the bytes sent', async () => {
    const bytes = await same(async (f) => [...new Uint8Array(await (await f(`${origin}/invalid-utf8`)).arrayBuffer())])
    expect(bytes.slice(6, 12)).toEqual([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82])
  })

  it('a bad port (Fetch "port blocking"), directly or by a redirect: TypeError "fetch failed", cause "bad port", no connection', async () => {
    const outcome = (url: string) => same((f) => f(url).then(() => 'resolved', (error: Error) => ({ message: error.message, cause: (error.cause as Error).message })))
    expect(await outcome('http://127.0.0.1:6000/')).toEqual({ message: 'fetch failed', cause: 'bad port' })
    expect(await outcome(`${origin}/redirect?status=302&to=${encodeURIComponent('http://127.0.0.1:25/')}`)).toEqual({ message: 'fetch failed', cause: 'bad port' })
  })

  it('a connection refused: TypeError "fetch failed" with the ECONNREFUSED cause', async () => {
    const port = Number(new URL(origin).port)
    // A port nothing listens on: one that was just closed.
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`
    await new Promise((resolve) => closed.close(resolve))
    expect(port).toBeGreaterThan(0)
    const outcome = await same((f) => f(url).then(() => 'resolved', (error: Error) => ({ message: error.message, code: (error.cause as { code?: string }).code })))
    expect(outcome).toEqual({ message: 'fetch failed', code: 'ECONNREFUSED' })
  })

  it('a reader that stops reading: the server is held back (backpressure), not buffered without end', async () => {
    for (const [name, f] of TRANSPORTS) {
      const path = `/flood?${encodeURIComponent(name)}`
      const response = await f(`${origin}${path}`)
      const reader = response.body!.getReader()
      await reader.read()
      await new Promise((resolve) => setTimeout(resolve, 300))
      const sent = written.get(path) ?? 0
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(written.get(path), `${name}: the server kept writing`).toBe(sent)
      expect(sent, `${name}: ${sent} bytes sent ahead of the reader`).toBeLessThan(16 << 20)
      await reader.cancel()
    }
  })
})

describe('proxy environment, as Node\'s fetch honours it', () => {
  // A forwarding proxy that logs how it was asked: undici's proxy agent on
  // Node 22/24 tunnels even an http:// URL through CONNECT (Node 26's forwards
  // it); Node's http agent, which the transport uses, forwards it in absolute
  // form. Both are "through the proxy".
  let proxyOrigin = ''
  const proxyLog: string[] = []
  beforeAll(async () => {
    const proxy = http.createServer((req, res) => {
      proxyLog.push(`${req.method} ${req.url}`)
      http.get(req.url ?? '', (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers)
        upstream.pipe(res)
      })
    })
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      proxyLog.push(`CONNECT ${req.url}`)
      const [host, port] = (req.url ?? '').split(':')
      const upstream = netConnect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    proxyOrigin = `http://127.0.0.1:${await listen(proxy)}`
  })

  /** What fetch and nodeFetch got for `url` in a child process with `env`. */
  function probe(url: string, env: Record<string, string>): Promise<Record<string, unknown>> {
    const script = new URL('./fixtures/proxy-probe.ts', import.meta.url).pathname
    const clean = { ...process.env }
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'NODE_USE_ENV_PROXY']) delete clean[name]
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--no-warnings', '--import', './wpt-fixtures/ts-resolve.ts', script, url],
        { env: { ...clean, ...env }, encoding: 'utf8', timeout: 8_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Record<string, unknown>)),
      )
    })
  }

  it('NODE_USE_ENV_PROXY=1 with HTTP_PROXY: both go through the proxy; with NO_PROXY, or without NODE_USE_ENV_PROXY, both go direct', async () => {
    const url = `${origin}/status?s=200`
    const direct = { fetch: { status: 200, body: 'body' }, nodeFetch: { status: 200, body: 'body' } }
    proxyLog.length = 0
    expect(await probe(url, { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxyOrigin })).toEqual(direct)
    // fetch first: CONNECT on Node 22/24 (undici 6/7), absolute form on Node 26; then the transport's absolute form.
    expect(proxyLog).toHaveLength(2)
    expect([`CONNECT ${new URL(origin).host}`, `GET ${url}`]).toContain(proxyLog[0])
    expect(proxyLog[1]).toBe(`GET ${url}`)
    proxyLog.length = 0
    expect(await probe(url, { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxyOrigin, NO_PROXY: '127.0.0.1' })).toEqual(direct)
    expect(await probe(url, { HTTP_PROXY: proxyOrigin })).toEqual(direct)
    expect(proxyLog).toEqual([])
  })
})

describe('TLS', () => {
  let httpsOrigin = ''
  let h2Origin = ''
  let h2Sessions = 0
  let h2Streams = 0
  beforeAll(async () => {
    httpsOrigin = `https://127.0.0.1:${await listen(https.createServer({ cert: CERT, key: KEY }, serve))}`
    const h2 = http2.createSecureServer({ cert: CERT, key: KEY, allowHTTP1: true })
    h2.on('session', () => h2Sessions++)
    h2.on('stream', () => h2Streams++)
    h2.on('request', (req, res) => {
      if (req.url.startsWith('/hang')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: open\n\n')
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-version': req.httpVersion })
      res.end(`data: ${req.httpVersion} ${req.headers['accept-encoding']}\n\n`)
    })
    h2Origin = `https://127.0.0.1:${await listen(h2)}`
  })

  it('an untrusted (self-signed) certificate is a network error: TypeError "fetch failed", the TLS error as cause', async () => {
    const outcome = await same((f) => f(`${httpsOrigin}/echo`).then(() => 'resolved', (error: Error) => ({ message: error.message, code: (error.cause as { code?: string }).code })))
    expect(outcome).toEqual({ message: 'fetch failed', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })

  it('with the certificate as `tls.ca`: https over HTTP/1.1, accept-encoding offers br as undici does over https', async () => {
    const transport = createNodeTransport({ tls: { ca: CERT } })
    const response = await transport(`${httpsOrigin}/echo`)
    const seen = (await response.json()) as { headers: Array<[string, string]> }
    expect(seen.headers).toContainEqual(['accept-encoding', 'br, gzip, deflate'])
    transport.close()
  })

  it('HTTP/2 by ALPN: streams to one origin share one session; http2: false opens HTTP/1.1', async () => {
    const transport: NodeTransport = createNodeTransport({ tls: { ca: CERT } })
    const sessionsBefore = h2Sessions
    const texts = await Promise.all([1, 2, 3].map(async () => (await transport(`${h2Origin}/`)).text()))
    expect(texts).toEqual(Array(3).fill('data: 2.0 br, gzip, deflate\n\n'))
    expect(h2Sessions - sessionsBefore).toBe(1)
    const h1 = createNodeTransport({ tls: { ca: CERT }, http2: false })
    expect(await (await h1(`${h2Origin}/`)).text()).toBe('data: 1.1 br, gzip, deflate\n\n')
    transport.close()
    h1.close()
  })

  it('HTTP/2: an abort mid-body ends that stream only; the session carries the next', async () => {
    const transport = createNodeTransport({ tls: { ca: CERT } })
    const controller = new AbortController()
    const response = await transport(`${h2Origin}/hang`, { signal: controller.signal })
    const reader = response.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: open\n\n')
    controller.abort()
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' })
    const streams = h2Streams
    expect(await (await transport(`${h2Origin}/`)).text()).toContain('2.0')
    expect(h2Streams).toBe(streams + 1)
    transport.close()
  })
})

describe('many requests at once', () => {
  // Why it matters, measured in bench/README.md ("tick"): ticks queued by
  // the thousand before any runs make V8 allocate every later nextTick
  // object in the old generation, which grows the RSS of a process holding
  // many streams. Each request opens in an immediate of its own, after
  // which Node runs the ticks that request queued.
  it("a loop opening 1 000 requests never has more than a few of Node's nextTick objects queued at once", async () => {
    const original = process.nextTick
    let queued = 0
    let most = 0
    process.nextTick = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
      most = Math.max(most, ++queued)
      original((...given: unknown[]) => {
        queued--
        callback(...given)
      }, ...args)
    }) as typeof process.nextTick
    try {
      const responses: Array<Promise<Response>> = []
      for (let i = 0; i < 1000; i++) responses.push(nodeFetch(`${origin}/echo`))
      const bodies = await Promise.all(responses.map(async (response) => (await response).json()))
      expect(bodies).toHaveLength(1000)
    } finally {
      process.nextTick = original
    }
    // Without the immediate each: two or three per request (Node's
    // onSocket, connect, resume), 2 000 and more at once.
    expect(most).toBeLessThan(50)
  })
})
