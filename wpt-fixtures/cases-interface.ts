import { type Case, type TestContext, assert, assertEquals, msg, sleep } from './case-kit.js'

// Ported `eventsource-*` tests: the interface (constructor, attributes, readyState, events).

const up = (file: string): string => `eventsource/${file}`

/** Waits for the first event of `type` and returns it. */
function first(source: EventSource, type: string): Promise<Event> {
  return new Promise((resolve) => source.addEventListener(type, resolve, { once: true }))
}

/** A unique `id`/`ident` for server-side state, as upstream uses a timestamp. */
export const unique = (): string => `${Date.now()}_${Math.random().toString(36).slice(2)}`

/** The scheme cases of eventsource-constructor-non-same-origin: error, CLOSED, a plain Event. */
function nonSameOrigin(label: string, url: string): Case {
  return {
    name: `eventsource-constructor-non-same-origin.window.js ${label}`,
    upstream: up('eventsource-constructor-non-same-origin.window.js'),
    async run(t) {
      const source = t.open(url)
      const log = t.log(source)
      await log.until((e) => e.length > 0)
      const event = log.events[0] as Event
      assertEquals(log.entries, ['error:2'], 'events')
      assert(!('data' in event), 'the error event is a plain Event with no `data`')
    },
  }
}

/** eventsource-constructor-stringify: the URL argument is converted with String(). */
function stringify(label: string, input: unknown, expected: (t: TestContext) => string): Case {
  return {
    name: `eventsource-constructor-stringify.window.js ${label}`,
    upstream: up('eventsource-constructor-stringify.window.js'),
    async run(t) {
      const source = t.open(input as string)
      assertEquals(source.url, expected(t), 'url')
    },
  }
}

export const interfaceCases: Case[] = [
  {
    name: 'eventsource-close.window.js readyState',
    upstream: up('eventsource-close.window.js'),
    async run(t) {
      const source = t.open(t.url('resources/message.py'))
      assertEquals(source.readyState, source.CONNECTING, 'readyState after construction')
      await first(source, 'open')
      assertEquals(source.readyState, source.OPEN, 'readyState in onopen')
      source.close()
      assertEquals(source.readyState, source.CLOSED, 'readyState right after close()')
    },
  },
  {
    name: 'eventsource-close.window.js reconnect-fail',
    upstream: up('eventsource-close.window.js'),
    async run(t) {
      // Two reconnects (each `error` while CONNECTING), then the 204 fails the connection.
      const log = t.log(t.open(t.url(`resources/reconnect-fail.py?id=${unique()}`)))
      const entries = await log.untilError(2)
      assertEquals(
        entries,
        ['open', msg('opened'), 'error:0', 'open', msg('reconnected'), 'error:0', 'error:2'],
        'event sequence',
      )
    },
  },
  {
    name: 'eventsource-constructor-empty-url.any.js',
    upstream: up('eventsource-constructor-empty-url.any.js'),
    async run(t) {
      assertEquals(t.open('').url, location.href, '`url` of an EventSource made with ""')
    },
  },
  nonSameOrigin('ftp:', 'ftp://example.org/'),
  nonSameOrigin('about:blank', 'about:blank'),
  nonSameOrigin('mailto:', 'mailto:whatwg@awesome.example'),
  nonSameOrigin('javascript:', "javascript:alert('FAIL')"),
  // The object's toString gives an absolute URL so this subtest needs no document base URL.
  stringify('object', { toString: () => 'http://127.0.0.1:1/eventsource/resources/message.py' }, () => 'http://127.0.0.1:1/eventsource/resources/message.py'),
  stringify('1', 1, (t) => t.url('1')),
  stringify('null', null, (t) => t.url('null')),
  stringify('undefined', undefined, (t) => t.url('undefined')),
  {
    name: 'eventsource-constructor-url-bogus.any.js',
    upstream: up('eventsource-constructor-url-bogus.any.js'),
    async run(t) {
      try {
        t.open('http://[')
      } catch (error) {
        assert(error instanceof DOMException, `expected a DOMException, got ${String(error)}`)
        assertEquals(error.name, 'SyntaxError', 'DOMException name')
        return
      }
      throw new Error('constructor did not throw')
    },
  },
  {
    name: 'eventsource-eventtarget.any.js',
    upstream: up('eventsource-eventtarget.any.js'),
    async run(t) {
      const event = (await first(t.open(t.url('resources/message.py')), 'message')) as MessageEvent
      assertEquals(event.data, 'data', 'data seen by addEventListener("message")')
    },
  },
  {
    name: 'eventsource-onmessage-trusted.any.js',
    upstream: up('eventsource-onmessage-trusted.any.js'),
    async run(t) {
      const event = await first(t.open(t.url('resources/message.py')), 'message')
      assert(event.isTrusted, 'isTrusted is true')
    },
  },
  {
    name: 'eventsource-onmessage.any.js',
    upstream: up('eventsource-onmessage.any.js'),
    async run(t) {
      const source = t.open(t.url('resources/message.py'))
      const data = await new Promise<unknown>((resolve) => {
        source.onmessage = (e) => resolve(e.data)
      })
      assertEquals(data, 'data', 'data')
    },
  },
  {
    name: 'eventsource-onopen.any.js',
    upstream: up('eventsource-onopen.any.js'),
    async run(t) {
      const source = t.open(t.url('resources/message.py'))
      const state = await new Promise<{ readyState: number; event: Event }>((resolve) => {
        source.onopen = (event) => resolve({ readyState: source.readyState, event })
      })
      assertEquals(state.readyState, source.OPEN, 'readyState in onopen')
      assert(!('data' in state.event), 'open is a plain Event with no `data`')
      assert(!state.event.bubbles, 'open does not bubble')
      assert(!state.event.cancelable, 'open is not cancelable')
    },
  },
  {
    name: 'eventsource-prototype.any.js prototype',
    upstream: up('eventsource-prototype.any.js'),
    async run(t) {
      const proto = t.EventSource.prototype as unknown as Record<string, unknown>
      proto.ReturnTrue = () => true
      try {
        const source = t.open(t.url('resources/message.py')) as unknown as { ReturnTrue(): boolean }
        assert(source.ReturnTrue(), 'a method patched onto EventSource.prototype is inherited')
      } finally {
        delete proto.ReturnTrue
      }
    },
  },
  {
    name: 'eventsource-prototype.any.js own property of the global',
    upstream: up('eventsource-prototype.any.js'),
    async run(t) {
      assert(Object.prototype.hasOwnProperty.call(globalThis, 'EventSource'), '"EventSource" in own properties of the global')
      assert(globalThis.EventSource === t.EventSource, 'the global EventSource is the class under test')
    },
  },
  {
    name: 'eventsource-reconnect.window.js',
    upstream: up('eventsource-reconnect.window.js'),
    async run(t) {
      // Upstream's id defaults to the status (200); a unique id keeps concurrent runs apart.
      const log = t.log(t.open(t.url(`resources/status-reconnect.py?status=200&id=${unique()}`)))
      const entries = await log.until((e) => e.some((x) => x.startsWith('message:')))
      assertEquals(entries, ['open', 'error:0', 'open', msg('data')], 'event sequence')
    },
  },
  {
    name: 'eventsource-reconnect.window.js ok_first',
    upstream: up('eventsource-reconnect.window.js'),
    async run(t) {
      const log = t.log(t.open(t.url(`resources/status-reconnect.py?status=200&ok_first&id=${unique()}`)))
      const entries = await log.until((e) => e.includes(msg('data')))
      assertEquals(entries, ['open', msg('ok'), 'error:0', 'open', msg('data')], 'event sequence')
    },
  },
  {
    name: 'eventsource-request-cancellation.window.js',
    upstream: up('eventsource-request-cancellation.window.js'),
    async run(t) {
      // The response is held back 1 s; window.stop() cancels the page's fetches meanwhile.
      const log = t.log(t.open(t.url('resources/message.py?sleep=1000&message=retry:1000\ndata:abc\n\n'.replaceAll('\n', '%0A'))))
      await sleep(100)
      window.stop()
      await sleep(2000)
      assertEquals(log.entries, ['error:2'], 'events after window.stop()')
    },
  },
  {
    name: 'eventsource-url.any.js',
    upstream: up('eventsource-url.any.js'),
    async run(t) {
      const source = t.open('resources/message.py')
      assert(/^https?:\/\//.test(source.url), `url is absolute: ${source.url}`)
      assert(source.url.endsWith('resources/message.py'), `url ends with resources/message.py: ${source.url}`)
    },
  },
  {
    name: 'dedicated-worker/eventsource-constructor-no-new.any.js',
    upstream: up('dedicated-worker/eventsource-constructor-no-new.any.js'),
    async run(t) {
      const call = t.EventSource as unknown as (url: string) => unknown
      try {
        call('')
      } catch (error) {
        assert(error instanceof TypeError, `expected a TypeError, got ${String(error)}`)
        return
      }
      throw new Error('calling EventSource without new did not throw')
    },
  },
]
