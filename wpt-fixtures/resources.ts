import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Query, text } from './query.js'
import { EVENT_STREAM, type Reply, eventStream, send, sleep, writeBody } from './reply.js'
import { type CookieState, requestCookies } from './state.js'

// The upstream server resources of WPT `eventsource/` (plus `/common/redirect.py`), re-implemented
// from their described behaviour. Each keeps its upstream path so a ported case reads like the
// upstream test; bodies are built as bytes so query values pass through unchanged.

export interface Env {
  req: IncomingMessage
  res: ServerResponse
  query: Query
  state: CookieState
}

type Handler = (env: Env) => Promise<void>

const bytes = (...parts: Array<Buffer | string>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)))

/** A request header's raw bytes (Node hands header values over as latin1 strings). */
const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** message.py: `message` (default `data: data`) + `\n\n` unless `newline=none`, + `\n`. */
async function messageReply({ query }: Env): Promise<Reply> {
  // `sleep` delays the whole response, headers included (request-cancellation relies on it).
  const delay = Number(text(query, 'sleep', '0'))
  if (delay > 0) await sleep(delay)
  const tail = text(query, 'newline', '') === 'none' ? '\n' : '\n\n\n'
  return {
    status: 200,
    headers: [['Content-Type', text(query, 'mime', EVENT_STREAM)]],
    body: bytes(query.get('message') ?? 'data: data', tail),
  }
}

/** status-reconnect.py: answers `status` once (reason "TEST", `retry: 2` with no blank line), then 200. */
function statusReconnectReply({ req, query, state }: Env): Reply {
  const status = text(query, 'status', '204')
  const cookie = `request${text(query, 'id', status)}`
  if (state.read(req, cookie) === status) {
    const reply = eventStream('data: data\n\n')
    reply.headers.push(state.clear(cookie))
    return reply
  }
  // No blank line after `retry: 2`: per spec the field takes effect when parsed, not at dispatch.
  const reply = eventStream(`retry: 2\n${query.has('ok_first') ? 'data: ok\n\n' : ''}`, Number(status), 'TEST')
  reply.headers.push(state.write(cookie, status))
  return reply
}

/** /common/redirect.py: `status` (default 302) to `location`, empty body. */
function redirectReply({ req, query }: Env): Reply {
  const headers: Array<[string, string]> = [['Location', text(query, 'location', '')]]
  if (query.has('enable-cors')) {
    headers.push(['Access-Control-Allow-Origin', header(req, 'origin') ?? ''])
    headers.push(['Access-Control-Allow-Credentials', 'true'])
  }
  return { status: Number(text(query, 'status', '302')), headers, body: Buffer.alloc(0) }
}

const MESSAGE2 = 'data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n'

const LAST_EVENT_ID2: Record<string, string> = {
  '1': 'id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata:3\n\ndata:4\n\n',
  '2': 'id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n',
  '3': 'id: 1\ndata: 1\n\nid\ndata:2\n\ndata:3\n\n',
}

/** `pipe=sub` templates: `{{headers[x]}}` becomes request header `x`. */
function eventStreamFile(template: string): Handler {
  return async (env) => {
    const body = env.query.has('pipe')
      ? template.replace(/\{\{headers\[([^\]]+)\]\}\}/g, (_, name: string) => header(env.req, name.toLowerCase()) ?? '')
      : template
    await send(env.req, env.res, eventStream(body))
  }
}

/** The ACAO value of cors.py/cors-cookie.py: the `origin` parameter, else the request's Origin. */
const allowOrigin = ({ req, query }: Env): string | undefined =>
  query.has('origin') ? text(query, 'origin', '') : header(req, 'origin')

/**
 * Answers a CORS preflight to cors.py or cors-cookie.py. This is a deliberate addition: upstream
 * would run the handler for the OPTIONS request as for a GET, without
 * `Access-Control-Allow-Headers`. Chromium (147, observed) preflights the cross-origin reconnect
 * because `Last-Event-ID` is not a CORS-safelisted header (safelisting it is still a proposal:
 * fetch #568/#1788, WPT #49257), so that reconnect would be blocked and request-credentials
 * would test the preflight instead of the cookies it is about.
 */
export async function preflight(env: Env): Promise<void> {
  const origin = allowOrigin(env)
  const headers: Array<[string, string]> = [
    ['Access-Control-Allow-Methods', 'GET'],
    ['Access-Control-Allow-Headers', 'Last-Event-ID'],
    ['Access-Control-Allow-Credentials', text(env.query, 'credentials', 'true')],
  ]
  if (origin !== undefined && origin !== 'none') headers.unshift(['Access-Control-Allow-Origin', origin])
  await send(env.req, env.res, { status: 204, headers, body: Buffer.alloc(0) })
}

const reply =
  (build: (env: Env) => Reply | Promise<Reply>): Handler =>
  async (env) =>
    send(env.req, env.res, await build(env))

export const resources: Record<string, Handler> = {
  '/eventsource/resources/message.py': reply(messageReply),

  // message2.py repeats one block of fields forever, every 2 s, until the client goes away.
  '/eventsource/resources/message2.py': async ({ req, res }) => {
    res.writeHead(200, { 'Content-Type': EVENT_STREAM, 'Cache-Control': 'no-cache' })
    res.flushHeaders()
    while (!res.destroyed) {
      await writeBody(req, res, Buffer.from(MESSAGE2, 'latin1'))
      await sleep(2000)
    }
  },

  // last-event-id.py echoes the `Last-Event-ID` request header's bytes, or sends an id
  // (`idvalue`, default UTF-8 "…") with a 200 ms retry so the client reconnects quickly.
  '/eventsource/resources/last-event-id.py': reply(({ req, query }) => {
    const lastEventId = header(req, 'last-event-id')
    if (lastEventId) return eventStream(bytes('data: ', lastEventId, '\n\n'))
    const id = query.get('idvalue') ?? Buffer.from('…', 'utf8')
    return eventStream(bytes('id: ', id, '\nretry: 200\ndata: hello\n\n'))
  }),

  '/eventsource/resources/last-event-id2.py': reply(({ query }) => {
    // An unknown `type` falls back to 1, as upstream's int() default does for a missing one.
    const type = text(query, 'type', '1')
    return eventStream(LAST_EVENT_ID2[type] ?? (/^\d+$/.test(type) ? 'data: invalid_test\n\n' : LAST_EVENT_ID2['1']!))
  }),

  // reconnect-fail.py: 200 "OPEN" → 200 → 204 (whose body must never reach the client).
  '/eventsource/resources/reconnect-fail.py': reply(({ req, query, state }) => {
    const cookie = `recon_fail_${text(query, 'id', '')}`
    const stage = state.read(req, cookie)
    if (stage === undefined) {
      const r = eventStream('retry: 2\ndata: opened\n\n', 200, 'OPEN')
      r.headers.push(state.write(cookie, 'opened'))
      return r
    }
    if (stage === 'opened') {
      const r = eventStream('data: reconnected\n\n')
      r.headers.push(state.write(cookie, 'reconnected'))
      return r
    }
    const r = eventStream('data: closed\n\n', 204)
    r.headers.push(state.clear(cookie))
    return r
  }),

  '/eventsource/resources/status-reconnect.py': reply(statusReconnectReply),

  // status-error.py: any status with reason "HAHAHAHA"; 204/205 carry no body.
  '/eventsource/resources/status-error.py': reply(({ query }) => {
    const status = Number(text(query, 'status', '404'))
    return eventStream(status === 204 || status === 205 ? '' : 'data: data\n\n', status, 'HAHAHAHA')
  }),

  '/eventsource/resources/cors.py': reply(async (env) => {
    const { req, query } = env
    // ACAO is the `origin` parameter (even an empty one), else the request's Origin. Upstream
    // errors when neither exists; only non-browser clients (Node's fetch sends no Origin) get
    // here, and for them the header is simply left out instead of answering a 500.
    const origin = allowOrigin(env)
    const cors: Array<[string, string]> = [
      ...(origin === undefined ? [] : [['Access-Control-Allow-Origin', origin] as [string, string]]),
      ['Access-Control-Allow-Credentials', text(query, 'credentials', 'true')],
    ]
    const run = text(query, 'run', '')
    const inner =
      run === 'message'
        ? await messageReply(env)
        : run === 'status-reconnect'
          ? statusReconnectReply(env)
          : run === 'redirect'
            ? redirectReply(env)
            : run === 'cache-control'
              ? eventStream(`data: ${header(req, 'cache-control') ?? ''}\n\n`)
              : { status: 200, headers: [], body: Buffer.alloc(0) }
    return { ...inner, headers: [...cors, ...inner.headers] }
  }),

  // cors-cookie.py: reports whether the cookie named `ident` came back, across one reconnect.
  '/eventsource/resources/cors-cookie.py': reply((env) => {
    const { req, query } = env
    const ident = text(query, 'ident', 'test')
    const flag = requestCookies(req).has(ident) ? 'COOKIE' : 'NO_COOKIE'
    const origin = allowOrigin(env)
    const credentials = text(query, 'credentials', 'true')
    const headers: Array<[string, string]> = []
    if (origin !== undefined && origin !== 'none') headers.push(['Access-Control-Allow-Origin', origin])
    if (credentials !== 'none') headers.push(['Access-Control-Allow-Credentials', credentials])
    const lastEventId = header(req, 'last-event-id')
    if (lastEventId === undefined || lastEventId === '') {
      headers.push(['Content-Type', EVENT_STREAM], ['Set-Cookie', `${ident}=COOKIE; Path=/`])
      return { status: 200, headers, body: bytes(`id: 1\nretry: 200\ndata: first ${flag}\n\n`) }
    }
    if (lastEventId === '1') {
      headers.push(['Content-Type', EVENT_STREAM])
      headers.push(['Set-Cookie', `${ident}=COOKIE; Path=/; Expires=Fri, 27 Jul 2001 00:00:00 GMT`])
      return { status: 200, headers, body: bytes(`id: 2\ndata: second ${flag}\n\n`) }
    }
    // Content-Type `stop` fails the connection, ending the test's sequence.
    headers.push(['Content-Type', 'stop'])
    return { status: 200, headers, body: bytes('data: ', lastEventId, `${flag}\n\n`) }
  }),

  '/eventsource/resources/accept.event_stream': eventStreamFile('data: {{headers[accept]}}\n\n'),
  '/eventsource/resources/cache-control.event_stream': eventStreamFile('data: {{headers[cache-control]}}\n\n'),
  '/common/redirect.py': reply(redirectReply),
}
