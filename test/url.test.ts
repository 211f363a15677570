// The constructor's URL handling (HTML §9.2.2 steps 3–5) and the `url`
// getter: "Let urlRecord be the result of encoding-parsing a URL given url,
// relative to settings. If urlRecord is failure, then throw a "SyntaxError"
// DOMException." Relative URLs need a base; in a page or worker that is the
// location, which these tests stub, and in Node there is none, so a relative
// URL is a parse failure.

import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { EventSource } from '../src/index.js'
import { at, attempts, closeAll, collect, delay, scriptUrl, track, uniqueKey, waitForEvent } from './support/script.js'

const origin = inject('sseOrigin')

/** A page or worker always has a location; Node, Deno (without --location) and Bun have none. */
const HAS_LOCATION = (() => {
  try {
    return Reflect.get(globalThis, 'location') !== undefined
  } catch {
    // Deno throws on reading `location` when started without --location.
    return false
  }
})()

/** A window's `location` is an unforgeable, non-configurable property, so a page cannot
 *  stub it (vi.stubGlobal throws there); a worker's sits on its prototype and can be. */
const LOCATION_STUBBABLE = Object.getOwnPropertyDescriptor(globalThis, 'location')?.configurable !== false

const NO_STUB_REASON =
  "a window's location cannot be replaced from script (it is unforgeable); in a page the ported WPT cases " +
  '(eventsource-url.any.js, eventsource-constructor-stringify.window.js, eventsource-constructor-empty-url.any.js) ' +
  "resolve relative URLs against the page's real location instead"

afterEach(() => {
  closeAll()
  vi.unstubAllGlobals()
})

/** Runs `construct` and returns what it threw (or fails if it did not). */
function thrownBy(construct: () => unknown): unknown {
  try {
    track(construct() as EventSource)
  } catch (error) {
    return error
  }
  throw new Error('expected the constructor to throw')
}

function expectSyntaxError(error: unknown): void {
  expect(error).toBeInstanceOf(DOMException)
  expect((error as DOMException).name).toBe('SyntaxError')
  // Legacy code of "SyntaxError" (DOMException names table): SYNTAX_ERR = 12.
  expect((error as DOMException).code).toBe(12)
}

describe('invalid URLs', () => {
  // Every one is a parse failure in every runtime's URL parser (Chromium's accepts `http://a b/`,
  // so a forbidden host code point is tested with `<`, which it rejects too).
  for (const input of ['http://[', 'http://a<b/', 'http://127.0.0.1:99999/', 'http://', '//']) {
    it(`throws a SyntaxError DOMException for ${JSON.stringify(input)}`, () => {
      expectSyntaxError(thrownBy(() => new EventSource(input)))
    })
  }

  it('throws a SyntaxError for a relative URL when there is no location (Node)', (context) => {
    context.skip(HAS_LOCATION, 'a page or worker always has a location, so a relative URL resolves there (next describe block)')
    expect(Reflect.get(globalThis, 'location')).toBeUndefined()
    expectSyntaxError(thrownBy(() => new EventSource('/foo')))
    expectSyntaxError(thrownBy(() => new EventSource('foo')))
    expectSyntaxError(thrownBy(() => new EventSource('')))
  })
})

describe('URL resolution and serialization', () => {
  it('resolves a relative URL against location where one exists', async (context) => {
    context.skip(!LOCATION_STUBBABLE, NO_STUB_REASON)
    vi.stubGlobal('location', new URL(`${origin}/sub/page.html`))
    const key = uniqueKey('url-relative')
    const absolute = scriptUrl(origin, key, [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const relative = `..${absolute.slice(origin.length)}`
    const es = track(new EventSource(relative))
    expect(es.url).toBe(absolute)
    await waitForEvent(es, 'message')
    expect(at(await attempts(origin, key, { min: 1 }), 0).url).toBe(absolute.slice(origin.length))
  })

  it('resolves the empty string to the location without its fragment', (context) => {
    context.skip(!LOCATION_STUBBABLE, NO_STUB_REASON)
    const page = scriptUrl(origin, uniqueKey('url-empty'), [{ end: 'hang' }])
    vi.stubGlobal('location', new URL(`${page}#top`))
    expect(track(new EventSource('')).url).toBe(page)
  })

  it('accepts a URL object', async () => {
    const url = new URL(scriptUrl(origin, uniqueKey('url-object'), [{ chunks: ['data: x\n\n'], end: 'hang' }]))
    const es = track(new EventSource(url))
    expect(es.url).toBe(url.href)
    await waitForEvent(es, 'message')
  })

  it('stringifies other values (WebIDL USVString conversion)', (context) => {
    const target = scriptUrl(origin, uniqueKey('url-stringify'), [{ end: 'hang' }])
    const object = { toString: () => target }
    expect(track(new EventSource(object as unknown as string)).url).toBe(target)
    context.skip(!LOCATION_STUBBABLE, `the values that stringify to relative URLs: ${NO_STUB_REASON}`)
    vi.stubGlobal('location', new URL(`${origin}/base/`))
    for (const [value, path] of [
      [1, '1'],
      [null, 'null'],
      [undefined, 'undefined'],
      [true, 'true'],
    ] as const) {
      const es = track(Reflect.construct(EventSource, [value]) as EventSource)
      expect(es.url, String(value)).toBe(`${origin}/base/${path}`)
    }
  })

  it('returns the serialized absolute URL from the url getter', () => {
    const key = uniqueKey('url-serialized')
    const canonical = scriptUrl(origin, key, [{ end: 'hang' }])
    const messy = `HTTP://127.0.0.1:${new URL(origin).port}/a/../${canonical.slice(origin.length + 1)}#frag`
    // §9.2.2: the url getter returns "ev's url, serialized" — scheme
    // lowercased, dot segments removed, fragment kept.
    expect(track(new EventSource(messy)).url).toBe(`${canonical}#frag`)
  })

  it('percent-encodes non-ASCII and replaces lone surrogates (USVString) before encoding', () => {
    const base = scriptUrl(origin, uniqueKey('url-unicode'), [{ end: 'hang' }])
    const es = track(new EventSource(`${base}&q=é\uD800`))
    expect(es.url).toBe(`${base}&q=%C3%A9%EF%BF%BD`)
  })
})

describe('non-HTTP(S) schemes', () => {
  // §9.2.2 step 15.2: on a network error, "reestablish the connection, unless
  // the user agent knows that to be futile, in which case the user agent may
  // fail the connection." Fetching these schemes can never succeed, and
  // browsers (WPT eventsource-constructor-non-same-origin) fail them.
  for (const input of ['ftp://127.0.0.1/', 'mailto:someone@example.com', 'about:blank', 'javascript:alert(1)']) {
    it(`${input}: constructs, then one plain error with readyState CLOSED`, async () => {
      const es = track(new EventSource(input))
      expect(es.url).toBe(new URL(input).href)
      expect(es.readyState).toBe(EventSource.CONNECTING)
      const events = collect(es)
      const error = await events.waitForType('error')
      await delay(300)
      expect(events.summary()).toEqual(['error @2'])
      expect(error.event).toBeInstanceOf(Event)
      expect(error.event).not.toBeInstanceOf(MessageEvent)
      expect(es.readyState).toBe(EventSource.CLOSED)
    })
  }
})
