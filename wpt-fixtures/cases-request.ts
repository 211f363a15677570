import { type Case, type TestContext, assert, assertEquals, msg } from './case-kit.js'
import { unique } from './cases-interface.js'

// Ported request-* and cross-origin tests: what the client sends, how it treats statuses,
// redirects and CORS, and the `origin` of its events.

const up = (file: string): string => `eventsource/${file}`

/** request-status-error: any status but 200 fails the connection, with no open and no message. */
const statusError = (status: number): Case => ({
  name: `request-status-error.window.js ${status}`,
  upstream: up('request-status-error.window.js'),
  async run(t) {
    const log = t.log(t.open(t.url(`resources/status-error.py?status=${status}`)))
    await log.until((e) => e.length > 0)
    assertEquals(log.entries, ['error:2'], 'events')
  },
})

/** request-redirect: the redirect is followed and the stream opens; origin stays same-origin. */
const redirect = (status: number): Case => ({
  name: `request-redirect.window.js ${status}`,
  upstream: up('request-redirect.window.js'),
  async run(t) {
    const log = t.log(t.open(t.url(`/common/redirect.py?location=/eventsource/resources/message.py&status=${status}`)))
    await log.until((e) => e.length >= 2)
    assertEquals(log.entries.slice(0, 2), ['open', msg('data')], 'events')
    assertEquals((log.events[1] as MessageEvent).origin, t.base, 'origin')
  },
})

/** eventsource-cross-origin, passing half: the remote answers with the right ACAO/ACAC. */
const crossOriginPass = (label: string, query: string, withCredentials: boolean): Case => ({
  name: `eventsource-cross-origin.window.js ${label}${withCredentials ? ' (withCredentials)' : ''}`,
  upstream: up('eventsource-cross-origin.window.js'),
  async run(t) {
    // `{id}` becomes a fresh id per run, for status-reconnect's server-side state.
    const source = t.open(t.url(`resources/cors.py?${query.replace('{id}', unique())}`, t.remote), { withCredentials })
    const log = t.log(source)
    await log.until((e) => e.some((x) => x.startsWith('message:')))
    const index = log.entries.findIndex((x) => x.startsWith('message:'))
    assertEquals(log.entries[index], msg('data'), 'message')
    assertEquals((log.events[index] as MessageEvent).origin, t.remote, 'origin of the event')
  },
})

/** eventsource-cross-origin, failing half: a CORS failure fails the connection. */
const crossOriginFail = (label: string, path: string): Case => ({
  name: `eventsource-cross-origin.window.js ${label}`,
  upstream: up('eventsource-cross-origin.window.js'),
  async run(t) {
    const log = t.log(t.open(t.url(path, t.remote)))
    await log.until((e) => e.length > 0)
    assertEquals(log.entries, ['error:2'], 'events')
  },
})

/** request-credentials: cors-cookie.py reports whether its cookie came back on the reconnect. */
const credentials = (label: string, init: EventSourceInit | undefined, second: string): Case => ({
  name: `request-credentials.window.js ${label}`,
  upstream: up('request-credentials.window.js'),
  async run(t) {
    const source = t.open(t.url(`resources/cors-cookie.py?ident=${unique()}`, t.remote), init)
    const log = t.log(source)
    const entries = await log.until((e) => e.filter((x) => x.startsWith('message:')).length >= 2)
    assertEquals(
      entries.filter((x) => x.startsWith('message:')),
      [msg('first NO_COOKIE', '1'), msg(`second ${second}`, '2')],
      'messages',
    )
  },
})

/** request-cache-control: `Cache-Control: no-cache` on the first request and on the reconnect. */
const cacheControl = (label: string, url: (t: TestContext) => string): Case => ({
  name: `request-cache-control.any.js ${label}`,
  upstream: up('request-cache-control.any.js'),
  timeout: 12_000,
  async run(t) {
    const log = t.log(t.open(url(t)))
    const entries = await log.until((e) => e.filter((x) => x.startsWith('message:')).length >= 2)
    assertEquals(entries.filter((x) => x.startsWith('message:')), [msg('no-cache'), msg('no-cache')], 'Cache-Control seen by the server')
  },
})

export const requestCases: Case[] = [
  {
    name: 'request-accept.any.js',
    upstream: up('request-accept.any.js'),
    async run(t) {
      const log = t.log(t.open(t.url('resources/accept.event_stream?pipe=sub')))
      await log.until((e) => e.length >= 2)
      assertEquals(log.entries.slice(0, 2), ['open', msg('text/event-stream')], 'Accept seen by the server')
    },
  },
  cacheControl('same-origin', (t) => t.url('resources/cache-control.event_stream?pipe=sub')),
  cacheControl('cross-origin', (t) => t.url('resources/cors.py?run=cache-control', t.remote)),
  credentials('enabled', { withCredentials: true }, 'COOKIE'),
  credentials('disabled', { withCredentials: false }, 'NO_COOKIE'),
  credentials('default', undefined, 'NO_COOKIE'),
  ...[301, 302, 303, 307].map(redirect),
  ...[204, 205, 210, 299, 404, 410, 503].map(statusError),
  crossOriginPass('basic use', 'run=message', false),
  crossOriginPass('basic use', 'run=message', true),
  crossOriginPass('redirect use', 'run=redirect&location=/eventsource/resources/cors.py?run=message', false),
  crossOriginPass('redirect use', 'run=redirect&location=/eventsource/resources/cors.py?run=message', true),
  // Upstream's id defaults to the status; a unique id keeps concurrent runs apart.
  crossOriginPass('status-reconnect', 'run=status-reconnect&status=200&id={id}', false),
  crossOriginPass('status-reconnect', 'run=status-reconnect&status=200&id={id}', true),
  crossOriginFail('wrong origin', 'resources/cors.py?run=message&origin=http://example.org'),
  crossOriginFail('empty origin', 'resources/cors.py?run=message&origin='),
  crossOriginFail('no CORS headers', 'resources/message.py'),
  {
    name: 'eventsource-cross-origin-redirect-origin.any.js',
    upstream: up('eventsource-cross-origin-redirect-origin.any.js'),
    async run(t) {
      const target = t.url('resources/cors.py?run=message', t.remote)
      const log = t.log(t.open(t.url(`/common/redirect.py?location=${encodeURIComponent(target)}`)))
      await log.until((e) => e.some((x) => x.startsWith('message:')))
      const event = log.events.find((e) => e.type === 'message') as MessageEvent
      assert(event.data === 'data', `data: ${String(event.data)}`)
      assertEquals(event.origin, t.remote, 'origin: that of the final URL')
    },
  },
]
