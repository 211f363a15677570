// A scriptable SSE server for the test suite. Tests only ever see URLs: what a
// request gets is decided by the script encoded in its URL, and what the server
// saw is read back over HTTP from `/log/<key>`. That keeps the test files free
// of Node APIs, so the same files can later run in Deno, Bun or a browser page
// (issue 5) against this one server.
//
// Routes (on both origins; state is shared between them):
//   GET|POST /script/<key>?s=<base64url JSON Script>   serve attempt n of the script
//   GET      /log/<key>[?min=n][&closed=n][&timeout=ms][&attempts=1] the requests seen for <key>
//   GET|POST /signal/<key>?name=<name>                 release `{await: name}` chunks
//   OPTIONS  *                                         CORS preflight
// Everything else is a 404, so a client pointed at a wrong path fails loudly.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Attempt, Chunk, LoggedRequest, RequestLog, Script } from './script-types.js'

export interface SseServer {
  /** `http://127.0.0.1:<port>` of the primary listener. */
  origin: string
  /** A second listener on another port: a different origin for redirect and
   *  cross-origin cases, sharing the same scripts and logs. */
  crossOrigin: string
  /** An origin on a port that was free a moment ago and nothing listens on:
   *  connecting to it is refused (a network error without any response). */
  refusedOrigin: string
  close(): Promise<void>
}

interface KeyState {
  /** Non-OPTIONS requests so far: the index of the next attempt. */
  count: number
  log: LoggedRequest[]
  /** Signals already sent: an `await` reached later passes at once, so a test
   *  never races the server to the signal. */
  signals: Set<string>
  signalWaiters: Map<string, Array<() => void>>
  /** Requests still to be taken as transport-level resends of a destroyed
   *  attempt (`Attempt.resends`), and that attempt's index. */
  resends: { remaining: number; attempt: number } | undefined
}

const LOG_WAIT_DEFAULT_MS = 10_000

/** How long `end: 'destroy'` waits after the last chunk left this process before the reset. */
const DESTROY_GRACE_MS = 50

export async function startSseServer(): Promise<SseServer> {
  const keys = new Map<string, KeyState>()
  // Re-evaluated on every change, so `/log` long-polls answer as soon as the
  // condition holds instead of the tests polling on a timer.
  const changeListeners = new Set<() => void>()
  const sockets = new Set<Socket>()
  // Cleared on close so pending delays and awaits stop writing to dead sockets.
  const pendingTimers = new Set<ReturnType<typeof setTimeout>>()
  let stopping = false

  function stateFor(key: string): KeyState {
    let state = keys.get(key)
    if (state === undefined) {
      state = { count: 0, log: [], signals: new Set(), signalWaiters: new Map(), resends: undefined }
      keys.set(key, state)
    }
    return state
  }

  /** A timer that `close()` cuts short. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer)
        resolve()
      }, ms)
      pendingTimers.add(timer)
    })
  }

  function changed(): void {
    for (const listener of [...changeListeners]) listener()
  }

  function handler(server: 'primary' | 'cross') {
    return (req: IncomingMessage, res: ServerResponse): void => {
      // One request per connection (`Connection: close` on every response). Deno, Bun and
      // Chromium silently resend a request when a reused keep-alive connection closes before
      // any response, so on a reused connection `destroyBeforeHeaders` would never reach the
      // client as a network error, and the resent request would use up the next attempt.
      res.shouldKeepAlive = false
      const bodyChunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => bodyChunks.push(chunk))
      req.on('end', () => {
        route(server, req, res, Buffer.concat(bodyChunks)).catch((error: unknown) => {
          // A bug in this server must show up as a failing request, not as a
          // hung test, so answer 500 if nothing has been sent yet.
          if (!res.headersSent) {
            res.writeHead(500, { 'Content-Type': 'text/plain' })
            res.end(String(error))
          } else {
            res.destroy()
          }
        })
      })
    }
  }

  async function route(
    server: 'primary' | 'cross',
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const match = /^\/(script|log|signal)\/([^/]+)$/.exec(url.pathname)
    const method = req.method ?? 'GET'

    if (method === 'OPTIONS') {
      if (match?.[1] === 'script' && match[2] !== undefined) {
        stateFor(match[2]).log.push(logEntry(server, req, body, null))
        changed()
      }
      answerPreflight(req, res)
      return
    }
    if (match === null || match[2] === undefined) {
      sendText(req, res, 404, 'no such route')
      return
    }
    const key = decodeURIComponent(match[2])
    switch (match[1]) {
      case 'script':
        await serveScript(server, req, res, body, key, url)
        return
      case 'log':
        await serveLog(req, res, key, url)
        return
      case 'signal':
        sendSignal(key, url.searchParams.get('name') ?? '')
        res.writeHead(204, corsHeaders(req, true))
        res.end()
        return
    }
  }

  async function serveScript(
    server: 'primary' | 'cross',
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    key: string,
    url: URL,
  ): Promise<void> {
    let script: Script
    try {
      script = JSON.parse(Buffer.from(url.searchParams.get('s') ?? '', 'base64url').toString('utf8')) as Script
    } catch {
      sendText(req, res, 400, 'bad script')
      return
    }
    const state = stateFor(key)
    if (state.resends !== undefined && state.resends.remaining > 0) {
      // The runtime's fetch sending a destroyed attempt again: the same failure, no new attempt.
      state.resends.remaining--
      const resent = logEntry(server, req, body, state.resends.attempt)
      resent.resend = true
      state.log.push(resent)
      res.on('close', () => {
        resent.closedAt = performance.now()
        changed()
      })
      changed()
      req.socket.destroy()
      return
    }
    state.resends = undefined
    const index = state.count++
    const entry = logEntry(server, req, body, index)
    state.log.push(entry)
    let serverDestroyed = false
    res.on('close', () => {
      entry.closedAt = performance.now()
      entry.closedByClient = !serverDestroyed && !res.writableFinished
      changed()
    })
    changed()

    const attempt = pickAttempt(script, index)
    if (attempt.destroyBeforeHeaders === true) {
      serverDestroyed = true
      if ((attempt.resends ?? 0) > 0) state.resends = { remaining: attempt.resends ?? 0, attempt: index }
      req.socket.destroy()
      return
    }
    if (attempt.delayHeaders !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer)
          resolve()
        }, attempt.delayHeaders)
        pendingTimers.add(timer)
        // A client that gives up (a timeout) must not leave a timer behind.
        res.on('close', () => {
          clearTimeout(timer)
          pendingTimers.delete(timer)
          resolve()
        })
      })
      if (res.destroyed || stopping) return
    }
    // A body that will be cut off is sent as on a keep-alive connection, never reused since it is
    // destroyed: after `Connection: close`, Node 20's fetch takes the connection closing in the
    // middle of a chunked body (FIN or reset alike) for the end of the body, not an error.
    if ((attempt.end ?? 'close') === 'destroy') res.shouldKeepAlive = true
    const headers: Record<string, string> = {
      ...(attempt.headers ?? { 'Content-Type': 'text/event-stream' }),
      'X-Sse-Attempt': String(index),
    }
    res.writeHead(attempt.status ?? 200, {
      ...headers,
      ...(attempt.cors === false ? {} : corsHeaders(req, true, Object.keys(headers))),
    })
    // Send the status line now: a script whose first chunk is delayed or
    // awaited must still let the client see the response (and fire `open`).
    res.flushHeaders()

    for (const chunk of attempt.chunks ?? []) {
      if (res.destroyed || stopping) return
      await writeChunk(res, key, chunk, entry)
    }
    if (res.destroyed || stopping) return
    switch (attempt.end ?? 'close') {
      case 'close':
        res.end()
        return
      case 'destroy':
        // Chromium's fetch errors the body stream as soon as it learns of the reset, dropping
        // body bytes still on their way to the page, so the reset waits until the bytes have
        // left this process and a moment more: the client sees every chunk, then the reset.
        if (res.writableNeedDrain) {
          await new Promise<void>((resolve) => {
            res.once('drain', () => resolve())
            res.once('close', () => resolve())
          })
        }
        await sleep(DESTROY_GRACE_MS)
        if (res.destroyed || stopping) return
        serverDestroyed = true
        res.destroy()
        return
      case 'hang':
        return
    }
  }

  function writeChunk(res: ServerResponse, key: string, chunk: Chunk, entry: LoggedRequest): Promise<void> {
    if (typeof chunk === 'string') {
      write(res, entry, Buffer.from(chunk, 'utf8'))
      return Promise.resolve()
    }
    if ('hex' in chunk) {
      write(res, entry, Buffer.from(chunk.hex.replace(/\s+/g, ''), 'hex'))
      return Promise.resolve()
    }
    if ('repeat' in chunk) return writeRepeated(res, entry, Buffer.from(chunk.repeat, 'utf8'), chunk.times)
    if ('delay' in chunk) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer)
          resolve()
        }, chunk.delay)
        pendingTimers.add(timer)
      })
    }
    return waitForSignal(key, chunk.await, res)
  }

  /** Writes and counts, so the log shows how much of the body left the server. */
  function write(res: ServerResponse, entry: LoggedRequest, bytes: Buffer): boolean {
    entry.bytesWritten = (entry.bytesWritten ?? 0) + bytes.length
    return res.write(bytes)
  }

  /** Honours backpressure: a client that stops reading stops this loop, which
   *  is what a flow-control test measures. */
  async function writeRepeated(res: ServerResponse, entry: LoggedRequest, bytes: Buffer, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      if (res.destroyed || stopping) return
      if (!write(res, entry, bytes)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done)
            res.off('close', done)
            resolve()
          }
          res.on('drain', done)
          res.on('close', done)
        })
      }
    }
  }

  function waitForSignal(key: string, name: string, res: ServerResponse): Promise<void> {
    const state = stateFor(key)
    if (state.signals.has(name)) return Promise.resolve()
    return new Promise((resolve) => {
      const waiters = state.signalWaiters.get(name) ?? []
      waiters.push(resolve)
      state.signalWaiters.set(name, waiters)
      // A client that leaves while we wait must not pin the handler forever.
      res.on('close', resolve)
    })
  }

  function sendSignal(key: string, name: string): void {
    const state = stateFor(key)
    state.signals.add(name)
    const waiters = state.signalWaiters.get(name) ?? []
    state.signalWaiters.delete(name)
    for (const wake of waiters) wake()
  }

  async function serveLog(req: IncomingMessage, res: ServerResponse, key: string, url: URL): Promise<void> {
    const min = Number(url.searchParams.get('min') ?? '0')
    const closed = Number(url.searchParams.get('closed') ?? '0')
    const timeout = Number(url.searchParams.get('timeout') ?? String(LOG_WAIT_DEFAULT_MS))
    // `attempts=1`: count connection attempts only, not CORS preflights (a browser preflights a
    // cross-origin request with Last-Event-ID or custom headers, so a preflight can arrive before
    // the attempt a test waits for).
    const onlyAttempts = url.searchParams.get('attempts') === '1'
    const ready = (): boolean => {
      // Transport-level resends (`Attempt.resends`) are not requests of the client's.
      const log = (keys.get(key)?.log ?? []).filter((r) => r.resend !== true && !(onlyAttempts && r.method === 'OPTIONS'))
      return log.length >= min && log.filter((r) => r.closedAt !== null).length >= closed
    }
    if (!ready()) {
      // Long-poll: answer as soon as the condition holds, or with whatever is
      // there at the timeout (the test then fails on its own assertion, with
      // the actual log in the message).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          changeListeners.delete(check)
          clearTimeout(timer)
          pendingTimers.delete(timer)
          resolve()
        }
        const check = (): void => {
          if (ready() || stopping) done()
        }
        const timer = setTimeout(done, timeout)
        pendingTimers.add(timer)
        changeListeners.add(check)
        req.socket.on('close', done)
      })
    }
    if (res.destroyed) return
    const payload: RequestLog = { requests: keys.get(key)?.log ?? [] }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      ...corsHeaders(req, true),
    })
    res.end(JSON.stringify(payload))
  }

  const primary = createServer(handler('primary'))
  const cross = createServer(handler('cross'))
  for (const s of [primary, cross]) {
    s.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
  }
  const [primaryPort, crossPort] = await Promise.all([listen(primary), listen(cross)])
  const refusedPort = await freePort()

  return {
    origin: `http://127.0.0.1:${primaryPort}`,
    crossOrigin: `http://127.0.0.1:${crossPort}`,
    refusedOrigin: `http://127.0.0.1:${refusedPort}`,
    async close(): Promise<void> {
      stopping = true
      for (const timer of pendingTimers) clearTimeout(timer)
      pendingTimers.clear()
      changed()
      for (const state of keys.values()) {
        for (const waiters of state.signalWaiters.values()) for (const wake of waiters) wake()
      }
      // `hang` responses never end on their own; without this `close()` would
      // wait for every client to go away.
      for (const socket of sockets) socket.destroy()
      await Promise.all([primary, cross].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    },
  }
}

function pickAttempt(script: Script, index: number): Attempt {
  const attempts = Array.isArray(script) ? script : script.attempts
  const then = Array.isArray(script) ? undefined : script.then
  const chosen = attempts[index] ?? then ?? attempts[attempts.length - 1]
  // An empty script still answers: a default 200 event stream with no events.
  return chosen ?? {}
}

function logEntry(
  server: 'primary' | 'cross',
  req: IncomingMessage,
  body: Buffer,
  attempt: number | null,
): LoggedRequest {
  const rawHeaders: Array<[string, string]> = []
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? ''
    // Node turns each header byte into one latin1 code unit, so encoding back
    // as latin1 recovers the exact bytes the client put on the wire.
    const value = Buffer.from(req.rawHeaders[i + 1] ?? '', 'latin1').toString('base64')
    rawHeaders.push([name, value])
  }
  return {
    attempt,
    method: req.method ?? '',
    url: req.url ?? '',
    server,
    rawHeaders,
    bodyBase64: body.toString('base64'),
    receivedAt: performance.now(),
    closedAt: null,
    closedByClient: false,
    bytesWritten: 0,
  }
}

/** CORS response headers for a request that may come from a browser page on
 *  another origin (issue 5). Credentials are allowed, so the origin is echoed
 *  instead of `*`, and exposed header names are listed explicitly. */
function corsHeaders(req: IncomingMessage, allowCredentials: boolean, expose: string[] = []): Record<string, string> {
  const origin = req.headers.origin
  if (origin === undefined) return {}
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
  }
  if (allowCredentials) headers['Access-Control-Allow-Credentials'] = 'true'
  if (expose.length > 0) headers['Access-Control-Expose-Headers'] = expose.join(', ')
  return headers
}

function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requestedHeaders = req.headers['access-control-request-headers']
  res.writeHead(204, {
    ...corsHeaders(req, true),
    'Access-Control-Allow-Methods': req.headers['access-control-request-method'] ?? 'GET, POST',
    ...(requestedHeaders === undefined ? {} : { 'Access-Control-Allow-Headers': requestedHeaders }),
    // Private Network Access: a public page may target this loopback server.
    'Access-Control-Allow-Private-Network': 'true',
    'Access-Control-Max-Age': '0',
  })
  res.end()
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...corsHeaders(req, true) })
  res.end(text)
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

/** A port the OS just handed out and that is closed again: nothing listens
 *  there, so connections are refused (the OS picks new ephemeral ports
 *  round-robin, so it is very unlikely to be reused during a run). */
async function freePort(): Promise<number> {
  const probe = createServer()
  const port = await listen(probe)
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}
