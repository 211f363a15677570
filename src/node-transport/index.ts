/// <reference types="node" />
/**
 * A fetch-shaped transport on Node's own HTTP stack (`node:http`,
 * `node:https`, `node:http2`, `node:zlib`): the same observable behaviour as
 * Node's global `fetch` for what an event stream needs, at a fraction of its
 * cost per open stream.
 *
 * What it does as Node's fetch (undici) does: the default request headers
 * (`accept`, `accept-language`, `sec-fetch-mode`, `user-agent`,
 * `accept-encoding`, the cache headers of `cache: 'no-store'`), request bodies
 * (through fetch's own body extraction), redirects (Fetch "HTTP-redirect
 * fetch", see redirect.ts), content decoding (decode.ts), abort by
 * `init.signal` (the promise rejects, or the body errors, with the signal's
 * reason), errors (`TypeError: fetch failed` with a `cause` before the
 * response, `TypeError: terminated` in the body after), the 300 s headers and
 * body timeouts, and `NODE_USE_ENV_PROXY` (Node's http/https global agents
 * honour it as fetch does). What it adds: HTTP/2 over TLS when the server
 * offers `h2`, one session per origin (http2-sessions.ts).
 */
import http from 'node:http'
import https from 'node:https'
import type http2 from 'node:http2'
import type { Readable } from 'node:stream'
import { toLightBody, toWebStream, type LightBody } from './body-stream.js'
import { decodeBody, NULL_BODY_STATUS } from './decode.js'
import { Http2Sessions, type Http2Entry, type TlsOptions } from './http2-sessions.js'
import { followRedirect, REDIRECT_STATUS, type RedirectState } from './redirect.js'
import { extractBody, type RequestBody } from './request-body.js'
import { ignore } from '../ignore.js'
import { isEventStream } from '../mime.js'

export type { TlsOptions } from './http2-sessions.js'
export type { LightBody, LightReader } from './body-stream.js'

/** Options of {@link createNodeTransport}; every one has a default. */
export interface NodeTransportOptions {
  /**
   * Negotiate HTTP/2 by ALPN on https URLs and open every stream to one
   * origin on one shared session. `false`: HTTP/1.1 only, one connection per
   * stream. Off anyway while Node's env proxy support is on
   * (`NODE_USE_ENV_PROXY=1` or `--use-env-proxy` with a proxy variable set),
   * so that requests go through the proxy as fetch's do.
   * @defaultValue true
   */
  http2?: boolean
  /** TLS options for https connections (e.g. `ca` for a private CA). @defaultValue {} */
  tls?: TlsOptions
  /** Milliseconds to wait for the response head; undici's default. 0: no limit. @defaultValue 300000 */
  headersTimeout?: number
  /** Milliseconds the body may go without a byte; undici's default. 0: no limit. @defaultValue 300000 */
  bodyTimeout?: number
  /**
   * `'web'`: a real `Response` whose body is a web `ReadableStream`.
   * `'light'`: a {@link LightResponse}, the least the connection model reads
   * (status, statusText, url, headers, a body with getReader/read/cancel),
   * without the web stream's objects: about 3.4 KiB less heap per open
   * stream (bench/transport-heap.mjs). Not a `Response`: no clone(), no
   * blob()/formData(), no pipeTo on the body. `init.signal` aborts the
   * request until the response is in; after that the body is ended by its
   * `cancel()` (or its reader's), not by the signal.
   * `'auto'`: `'light'` for a 200 response of type `text/event-stream`,
   * `'web'` for any other. What this library's EventSource and fetchEvents()
   * use on Node by default: they read an event stream's body themselves and
   * never hand it out, while any other response reaches the user on an
   * error (`error.response`), as a real `Response`.
   * @defaultValue 'web'
   */
  response?: 'web' | 'light' | 'auto'
}

/** The response of a transport created with `response: 'light'`. */
export interface LightResponse {
  readonly status: number
  readonly statusText: string
  readonly ok: boolean
  readonly url: string
  readonly redirected: boolean
  readonly headers: Headers
  readonly body: LightBody | null
  readonly bodyUsed: boolean
  arrayBuffer(): Promise<ArrayBuffer>
  text(): Promise<string>
  json(): Promise<unknown>
}

/** A `fetch`-shaped function, plus `close()` to end its pooled HTTP/2 sessions. */
export interface NodeTransport {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** Destroys the HTTP/2 sessions this transport keeps (their streams end with an error). */
  close(): void
}

/** The response head, whichever protocol carried it. */
interface Head {
  status: number
  statusText: string
  /** Name, value, name, value… */
  rawHeaders: string[]
  body: Readable
}

/** One request on the wire: its response head, and a way to end it. */
interface Exchange {
  head: Promise<Head>
  /** Ends the exchange; the caller reports why (the abort reason, the error). */
  destroy(reason?: unknown): void
}

/** The request of one hop, in wire form. */
interface WireRequest {
  url: URL
  method: string
  headers: Headers
  body: RequestBody | undefined
}

const ACCEPT_ENCODING_HTTPS = 'br, gzip, deflate'
const ACCEPT_ENCODING_HTTP = 'gzip, deflate'

// Fetch "bad port" (https://fetch.spec.whatwg.org/#bad-port): fetch refuses
// these for http(s), on the first request and on every redirect; so does this.
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119,
  123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
])

// Fetch "normalize a method": these six are sent uppercased, any other as given.
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

// Connection-specific headers, which HTTP/2 forbids (RFC 9113 §8.2.2).
const HTTP1_ONLY_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host'])

// Since Node 22.17 and 24.0 an HTTP/2 request takes its headers as a flat
// list, which the stream then keeps as its sent headers for as long as it is
// open; given as an object, it keeps that object, in dictionary mode, several
// times the size (bench/README.md has the heap per stream).
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split('.').map(Number)
const FLAT_HTTP2_HEADERS = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 17)

/**
 * Creates a transport: a `fetch`-shaped function on Node's own HTTP stack,
 * for `fetch:` of `EventSource` and `fetchEvents()`.
 *
 * @example
 * ```ts
 * import { EventSource } from 'eventsource-kit'
 * import { createNodeTransport } from 'eventsource-kit/node-transport'
 *
 * const transport = createNodeTransport({ http2: true })
 * const source = new EventSource('https://example.com/feed', { fetch: transport })
 * source.onmessage = (event) => console.log(event.data)
 * ```
 */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const settings = {
    http2: options.http2 ?? true,
    tls: options.tls ?? {},
    headersTimeout: options.headersTimeout ?? 300_000,
    bodyTimeout: options.bodyTimeout ?? 300_000,
    response: options.response ?? 'web',
  }
  const sessions = new Http2Sessions(settings.tls)

  const transport = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined
    const signal = init.signal ?? request?.signal ?? undefined
    if (signal?.aborted) throw signal.reason
    let url: URL
    try {
      url = new URL(request?.url ?? String(input))
    } catch (cause) {
      throw new TypeError('Failed to parse URL', { cause })
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fetchFailed(new TypeError(`unsupported scheme ${url.protocol}`))
    const method = normalizeMethod(init.method ?? request?.method ?? 'GET')
    const headers = new Headers(init.headers ?? request?.headers)
    const bodyInit = init.body !== undefined ? init.body : request?.body
    if ((method === 'GET' || method === 'HEAD') && bodyInit !== undefined && bodyInit !== null) {
      throw new TypeError('Request with GET/HEAD method cannot have body.')
    }
    // The abort listener goes on before the first await, as undici's does
    // (within the call). It ends the exchange in flight and rejects what the
    // request phase waits for; toResponse() puts a listener of its own on
    // the body, so nothing of this phase is held once the response is out.
    let current: Exchange | undefined
    let rejectWait: ((reason: unknown) => void) | undefined
    const onAbort = (): void => {
      current?.destroy(signal?.reason)
      rejectWait?.(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const forgetSignal = (): void => signal?.removeEventListener('abort', onAbort)
    // A step of the request phase, unless the signal aborts it first, or
    // aborted before it (while the request body was read, or between hops).
    const abortable = <T>(step: Promise<T>): Promise<T> =>
      signal === undefined
        ? step
        : new Promise<T>((resolve, reject) => {
            if (signal.aborted) return reject(signal.reason)
            rejectWait = reject
            step.then(resolve, reject)
          })
    let body: RequestBody | undefined
    try {
      body = await extractBody(bodyInit)
    } catch (error) {
      forgetSignal()
      throw error
    }
    if (body?.kind === 'bytes' && body.contentType !== null && !headers.has('content-type')) headers.set('content-type', body.contentType)
    setDefaultHeaders(headers, init)

    const state: RedirectState = { url, method, headers, hasBody: body !== undefined, streamBody: body?.kind === 'stream', redirects: 0 }

    try {
      for (;;) {
        const wire: WireRequest = { url: state.url, method: state.method, headers: state.headers, body: state.hasBody ? body : undefined }
        setAcceptEncoding(wire)
        if (wire.url.port !== '' && BAD_PORTS.has(Number(wire.url.port))) throw fetchFailed(new Error('bad port'))
        const opening = open(wire, settings, sessions, signal)
        // An abort while a session is being set up ends the exchange as soon as it exists.
        opening.then((exchange) => signal?.aborted && exchange.destroy(signal.reason), ignore)
        current = await abortable(opening)
        const head = await abortable(current.head)
        const location = REDIRECT_STATUS.has(head.status) ? headerValue(head.rawHeaders, 'location') : undefined
        if (location !== undefined) {
          // The redirect response's body is not read (fetch discards it).
          head.body.destroy()
          const next = followRedirect(state, head.status, location)
          if (next instanceof Error) throw fetchFailed(next)
          continue
        }
        forgetSignal()
        return toResponse(head, state, signal, current.destroy, settings.response)
      }
    } catch (error) {
      forgetSignal()
      current?.destroy(error)
      if (signal?.aborted && error === signal.reason) throw error
      throw error instanceof TypeError && error.message === 'fetch failed' ? error : fetchFailed(error)
    }
  }
  return Object.assign(transport, { close: () => sessions.close() })
}

/**
 * The transport with the default options, shared by every caller (one pool
 * of HTTP/2 sessions per process).
 *
 * @example
 * ```ts
 * import { fetchEvents } from 'eventsource-kit'
 * import { nodeFetch } from 'eventsource-kit/node-transport'
 *
 * for await (const event of fetchEvents('http://127.0.0.1:8080/feed', { fetch: nodeFetch })) console.log(event.data)
 * ```
 */
export const nodeFetch: NodeTransport = createNodeTransport()

/**
 * Opens the request of one hop on HTTP/2 when the origin speaks it, else
 * HTTP/1.1, in an event-loop turn of its own (see nextTurn).
 */
async function open(wire: WireRequest, settings: Settings, sessions: Http2Sessions, signal: AbortSignal | undefined): Promise<Exchange> {
  await nextTurn()
  // Aborted while it waited: no socket is opened only to be destroyed.
  signal?.throwIfAborted()
  if (wire.url.protocol === 'https:' && settings.http2 && !proxied(wire.url)) {
    const entry = await sessions.session(wire.url)
    if (entry !== undefined) return openHttp2(entry, sessions, wire, settings)
  }
  return openHttp1(wire, settings)
}

/**
 * Resolves in an immediate of its own. Why: a loop that opens thousands of
 * streams at once would otherwise run every `http.request()` in one drain of
 * the microtask queue, and Node queues a few `process.nextTick` objects per
 * request that none of them runs until the drain ends. A scavenge that
 * finds most of the objects one allocation site made still alive makes V8
 * allocate all later ones in the old generation (allocation-site
 * pretenuring), and `nextTick`'s one site then serves every tick of the
 * process, three per HTTP/1.1 chunk: old-generation garbage that grows the
 * RSS of a process holding many streams (bench/README.md, "tick"). Node
 * runs the ticks of each immediate before the next, so no more than one
 * request's ticks are alive at a time and V8 decides not to pretenure them.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

interface Settings {
  http2: boolean
  tls: TlsOptions
  headersTimeout: number
  bodyTimeout: number
  response: 'web' | 'light' | 'auto'
}

function openHttp1(wire: WireRequest, settings: Settings): Exchange {
  const { url } = wire
  const secure = url.protocol === 'https:'
  // undici's connection header; set here, Node's http sends it first, not after the others.
  const headers: string[] = ['connection', 'keep-alive']
  for (const [name, value] of wire.headers) headers.push(name, value)
  if (wire.body?.kind === 'bytes') headers.push('content-length', String(wire.body.bytes.byteLength))
  else if (wire.body === undefined && (wire.method === 'POST' || wire.method === 'PUT')) headers.push('content-length', '0')
  // Headers given as a flat list (the shape of rawHeaders) are written as
  // they are, and the request keeps no header map, which an open stream
  // would hold as long as it lives (a [name, value] array per header). Node
  // adds Host only to headers given as an object, so it is added here, last,
  // where Node puts it. Node's env proxy support adds its own headers only to
  // an object, so a proxied request gives one.
  if (!wire.headers.has('host')) headers.push('host', url.host)
  const request = (secure ? https : http).request({
    ...(secure ? settings.tls : {}),
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    path: url.pathname + url.search,
    method: wire.method,
    headers: proxied(url) ? Object.fromEntries(pairs(headers)) : headers,
    // The global agents: keep-alive, and the env proxy support of fetch.
    agent: secure ? https.globalAgent : http.globalAgent,
  })
  // One idle timer on the socket, for the head and then for the body.
  let phase: 'Headers' | 'Body' = 'Headers'
  if (settings.headersTimeout > 0) request.setTimeout(settings.headersTimeout)
  request.on('timeout', () => request.destroy(new TimeoutError(`${phase} Timeout Error`)))
  // Until the head is in: what rejects it. Dropped then, so an open stream
  // holds neither the head nor its promise.
  let reject: ((error: Error) => void) | undefined
  const head = new Promise<Head>((resolve, rejectHead) => {
    reject = rejectHead
    request.once('response', (response: http.IncomingMessage) => {
      phase = 'Body'
      reject = undefined
      request.setTimeout(settings.bodyTimeout)
      resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', rawHeaders: response.rawHeaders, body: response })
    })
  })
  // Stays on: a socket error after the head reaches the body, not the process.
  request.on('error', (error) => reject?.(error))
  head.catch(ignore)
  sendBody(wire.body, request, (error) => request.destroy(error))
  return {
    head,
    // No error passed on: the socket would emit it where nobody listens once
    // the head is in. The promise or the body reports the reason instead.
    destroy: () => {
      request.destroy()
    },
  }
}

function openHttp2(entry: Http2Entry, sessions: Http2Sessions, wire: WireRequest, settings: Settings): Exchange {
  const { url } = wire
  // The origin's authority is one string per session, held by every stream's
  // headers, and so is the path when it is the one the last stream asked for.
  const path = url.pathname + url.search
  if (path !== entry.path) entry.path = path
  const headers: string[] = [':method', wire.method, ':scheme', 'https', ':authority', entry.authority, ':path', entry.path]
  for (const [name, value] of wire.headers) if (!HTTP1_ONLY_HEADERS.has(name)) headers.push(name, value)
  if (wire.body?.kind === 'bytes') headers.push('content-length', String(wire.body.bytes.byteLength))
  // slice(): the list the stream keeps, at its length rather than the capacity it grew to.
  const stream = entry.session.request(FLAT_HTTP2_HEADERS ? headers.slice() : Object.fromEntries(pairs(headers)), { endStream: wire.body === undefined })
  sessions.track(entry, stream)
  let phase: 'Headers' | 'Body' = 'Headers'
  if (settings.headersTimeout > 0) stream.setTimeout(settings.headersTimeout)
  stream.on('timeout', () => stream.destroy(new TimeoutError(`${phase} Timeout Error`)))
  // Until the head is in: what rejects it, as in openHttp1.
  let reject: ((error: Error) => void) | undefined
  // Only the head can be lost to a close; off once it is in, so an open stream holds no listener for it.
  const closedEarly = (): void => reject?.(new Error(`HTTP/2 stream closed (code ${stream.rstCode ?? '?'}) before the response`))
  const head = new Promise<Head>((resolve, rejectHead) => {
    reject = rejectHead
    stream.once('response', (responseHeaders) => {
      phase = 'Body'
      reject = undefined
      stream.off('close', closedEarly)
      stream.setTimeout(settings.bodyTimeout)
      const rawHeaders: string[] = []
      for (const [name, value] of Object.entries(responseHeaders)) {
        if (name.startsWith(':') || value === undefined) continue
        for (const one of Array.isArray(value) ? value : [value]) rawHeaders.push(name, String(one))
      }
      resolve({ status: Number(responseHeaders[':status']), statusText: '', rawHeaders, body: stream })
    })
  })
  // Stays on: an error after the head reaches the body, not the process.
  stream.on('error', (error) => reject?.(error))
  stream.on('close', closedEarly)
  head.catch(ignore)
  if (wire.body !== undefined) sendBody(wire.body, stream, (error) => stream.destroy(error))
  return {
    head,
    destroy: () => {
      stream.destroy()
    },
  }
}

/** Writes the request body (bytes at once, a stream chunk by chunk with backpressure) and ends the request. */
function sendBody(body: RequestBody | undefined, target: NodeJS.WritableStream, fail: (error: Error) => void): void {
  if (body === undefined) {
    if (!(target as http2.ClientHttp2Stream).writableEnded) target.end()
    return
  }
  if (body.kind === 'bytes') {
    target.end(body.bytes)
    return
  }
  const reader = body.stream.getReader()
  const pump = async (): Promise<void> => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!target.write(value)) await new Promise((resolve) => target.once('drain', resolve))
    }
    target.end()
  }
  pump().catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))))
}

/** The head and body of the final hop as a `Response` with fetch's `url` and `redirected`. */
function toResponse(head: Head, state: RedirectState, signal: AbortSignal | undefined, destroy: () => void, option: 'web' | 'light' | 'auto'): Response {
  const headers = new Headers()
  for (let i = 0; i < head.rawHeaders.length; i += 2) headers.append(head.rawHeaders[i] as string, head.rawHeaders[i + 1] as string)
  const shape = option !== 'auto' ? option : head.status === 200 && isEventStream(headers.get('content-type')) ? 'light' : 'web'
  let body: ReadableStream<Uint8Array> | LightBody | null = null
  if (NULL_BODY_STATUS.has(head.status) || state.method === 'HEAD') {
    head.body.resume()
  } else {
    const decoded = decodeBody(head.body, headerValue(head.rawHeaders, 'content-encoding'), state.method, head.status)
    if (shape === 'light') {
      // A light body is ended by its cancel(), not by the signal: the model
      // that reads it cancels it itself, and an open stream then holds
      // neither the signal nor a listener on it.
      body = toLightBody(decoded, terminated)
    } else {
      // Until the body closes, an abort destroys the exchange, which breaks
      // the body, and the reader gets the signal's reason, as in fetch.
      if (signal !== undefined) {
        signal.addEventListener('abort', destroy, { once: true })
        decoded.on('close', () => signal.removeEventListener('abort', destroy))
      }
      body = toWebStream(decoded, (error) => (signal?.aborted ? signal.reason : terminated(error)))
    }
  }
  const url = new URL(state.url)
  url.hash = ''
  if (shape === 'light') {
    // The model's fetch option is typed as fetch; a LightResponse has every member it reads.
    return new NodeLightResponse(head.status, head.statusText, url.href, state.redirects > 0, headers, body as LightBody | null) as unknown as Response
  }
  const response = new Response(body as ReadableStream<Uint8Array> | null, { status: head.status, statusText: head.statusText, headers })
  Object.defineProperties(response, { url: { value: url.href }, redirected: { value: state.redirects > 0 } })
  return response
}

class NodeLightResponse implements LightResponse {
  readonly status: number
  readonly statusText: string
  readonly url: string
  readonly redirected: boolean
  readonly headers: Headers
  readonly body: LightBody | null
  #used = false

  // Plain fields, no parameter properties: Node's type stripping (the tests'
  // loader) does not take those.
  constructor(status: number, statusText: string, url: string, redirected: boolean, headers: Headers, body: LightBody | null) {
    this.status = status
    this.statusText = statusText
    this.url = url
    this.redirected = redirected
    this.headers = headers
    this.body = body
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299
  }

  get bodyUsed(): boolean {
    return this.#used
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#used || this.body?.locked) throw new TypeError('Body is unusable: Body has already been read')
    this.#used = true
    if (this.body === null) return new ArrayBuffer(0)
    const reader = this.body.getReader()
    const chunks: Uint8Array[] = []
    let length = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      length += value.byteLength
    }
    const bytes = new Uint8Array(length)
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
    return bytes.buffer
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.arrayBuffer())
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown
  }
}

/** The headers Node's fetch adds when the caller did not set them (see the module comment). */
function setDefaultHeaders(headers: Headers, init: RequestInit): void {
  if (!headers.has('accept')) headers.set('accept', '*/*')
  if (!headers.has('accept-language')) headers.set('accept-language', '*')
  if (!headers.has('sec-fetch-mode')) headers.set('sec-fetch-mode', init.mode ?? 'cors')
  if (!headers.has('user-agent')) headers.set('user-agent', 'node')
  // Fetch "HTTP-network-or-cache fetch" step 8.16-8.17: no-store and reload ask every cache to revalidate.
  if (init.cache === 'no-store' || init.cache === 'reload') {
    if (!headers.has('pragma')) headers.set('pragma', 'no-cache')
    if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache')
  }
}

/** undici offers `br` only over https; a caller's own `Accept-Encoding` wins. */
function setAcceptEncoding(wire: WireRequest): void {
  const own = wire.headers.get('accept-encoding')
  if (own !== null && own !== ACCEPT_ENCODING_HTTP && own !== ACCEPT_ENCODING_HTTPS) return
  wire.headers.set('accept-encoding', wire.url.protocol === 'https:' ? ACCEPT_ENCODING_HTTPS : ACCEPT_ENCODING_HTTP)
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase()
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

/** A flat [name, value, name, value…] list as pairs. */
function* pairs(flat: string[]): Generator<[string, string]> {
  for (let i = 0; i < flat.length; i += 2) yield [flat[i] as string, flat[i + 1] as string]
}

function headerValue(rawHeaders: string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).toLowerCase() === name) return rawHeaders[i + 1]
  return undefined
}

/**
 * Whether Node's env proxy support applies to `url`, as it does to fetch:
 * on with `NODE_USE_ENV_PROXY=1` or `--use-env-proxy`, and a proxy variable
 * for the scheme. NO_PROXY is left to the agent; HTTP/2 is then simply not
 * tried, so the request takes the agent's path either way.
 */
function proxied(url: URL): boolean {
  const env = process.env
  const on = env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy')
  if (!on) return false
  return url.protocol === 'https:' ? Boolean(env.HTTPS_PROXY ?? env.https_proxy) : Boolean(env.HTTP_PROXY ?? env.http_proxy)
}

/** Fetch's error for a body that broke after the response: `TypeError: terminated`. */
function terminated(error: Error): TypeError {
  return new TypeError('terminated', { cause: error })
}

/** Fetch's network error: `TypeError: fetch failed`, the reason in `cause`. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause })
}

/** undici's headers and body timeouts. */
class TimeoutError extends Error {
  readonly code = 'UND_ERR_TIMEOUT'
  override name = 'TimeoutError'
}
