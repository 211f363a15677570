// The WebIDL surface of EventSource (HTML §9.2.2):
//
//   [Exposed=(Window,Worker)]
//   interface EventSource : EventTarget {
//     constructor(USVString url, optional EventSourceInit eventSourceInitDict = {});
//     readonly attribute USVString url;
//     readonly attribute boolean withCredentials;
//     const unsigned short CONNECTING = 0; const unsigned short OPEN = 1; const unsigned short CLOSED = 2;
//     readonly attribute unsigned short readyState;
//     attribute EventHandler onopen; attribute EventHandler onmessage; attribute EventHandler onerror;
//     undefined close();
//   };
//
// Handler order is checked with synthetic events from dispatchEvent, which are
// fully deterministic; one test repeats it with a real stream to prove the
// object dispatches its own events through the same listener list.
//
// Both classes have this surface: every test runs for eventsource-kit and
// for eventsource-kit/lite.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource as FullEventSource } from '../src/index.js'
import { EventSource as LiteEventSource } from '../src/lite.js'
import { closeAll, scriptUrl, track, uniqueKey, waitForEvent } from './support/script.js'

const origin = inject('sseOrigin')

afterEach(closeAll)

// The lite class, typed as the full one: the tests use only what both have.
const CLASSES: Array<[string, typeof FullEventSource]> = [
  ['', FullEventSource],
  [' (eventsource-kit/lite)', LiteEventSource as unknown as typeof FullEventSource],
]

for (const [suffix, EventSource] of CLASSES) {
  /** A source on a stream that never sends anything, so nothing but the test
   *  itself dispatches events on it. */
  function quietSource(init?: { withCredentials?: boolean }): FullEventSource {
    const url = scriptUrl(origin, uniqueKey('interface'), [{ end: 'hang' }])
    return track(new EventSource(url, init))
  }


  describe(`EventSource interface${suffix}`, () => {
    it('is a class extending EventTarget', () => {
      const es = quietSource()
      expect(typeof EventSource).toBe('function')
      expect(es).toBeInstanceOf(EventSource)
      expect(es).toBeInstanceOf(EventTarget)
      expect(Object.getPrototypeOf(EventSource.prototype)).toBe(EventTarget.prototype)
    })

    it('has constructor length 1 (one required argument)', () => {
      // WebIDL: a constructor's `length` is the number of required arguments of
      // the shortest overload — `url` only.
      expect(EventSource.length).toBe(1)
    })

    it('throws a TypeError without `new` or without a url', () => {
      // WebIDL: interface objects throw when called as functions, and a missing
      // required argument throws a TypeError.
      expect(() => Reflect.apply(EventSource, undefined, [origin])).toThrow(TypeError)
      expect(() => Reflect.construct(EventSource, [])).toThrow(TypeError)
    })

    it('exposes CONNECTING/OPEN/CLOSED as 0/1/2 on the class, the prototype and instances', () => {
      const es = quietSource()
      for (const holder of [EventSource, EventSource.prototype, es]) {
        expect(holder.CONNECTING).toBe(0)
        expect(holder.OPEN).toBe(1)
        expect(holder.CLOSED).toBe(2)
      }
    })

    it('defines the constants as WebIDL constants (read-only, enumerable, non-configurable)', () => {
      // WebIDL §3.7.5 (constants): { [[Writable]]: false, [[Enumerable]]: true,
      // [[Configurable]]: false } on both the interface object and the prototype.
      for (const holder of [EventSource, EventSource.prototype]) {
        for (const [name, value] of [
          ['CONNECTING', 0],
          ['OPEN', 1],
          ['CLOSED', 2],
        ] as const) {
          expect(Object.getOwnPropertyDescriptor(holder, name)).toEqual({
            value,
            writable: false,
            enumerable: true,
            configurable: false,
          })
        }
      }
    })

    it('has url, withCredentials and readyState as read-only accessors on the prototype', () => {
      const es = quietSource()
      for (const name of ['url', 'withCredentials', 'readyState']) {
        const descriptor = Object.getOwnPropertyDescriptor(EventSource.prototype, name)
        expect(typeof descriptor?.get, name).toBe('function')
        expect(descriptor?.set, name).toBeUndefined()
        expect(Object.hasOwn(es, name), name).toBe(false)
      }
      // "readonly attribute": assignment does not change the value.
      expect(Reflect.set(es, 'readyState', 2)).toBe(false)
      expect(es.readyState).toBe(EventSource.CONNECTING)
      expect(Reflect.set(es, 'url', 'http://example.com/')).toBe(false)
      expect(es.url).not.toBe('http://example.com/')
    })

    it('has onopen/onmessage/onerror accessors and close() on the prototype', () => {
      for (const name of ['onopen', 'onmessage', 'onerror']) {
        const descriptor = Object.getOwnPropertyDescriptor(EventSource.prototype, name)
        expect(typeof descriptor?.get, name).toBe('function')
        expect(typeof descriptor?.set, name).toBe('function')
      }
      expect(typeof EventSource.prototype.close).toBe('function')
    })

    it('reports [object EventSource] as its class string', () => {
      // WebIDL: the prototype's @@toStringTag is the interface name.
      expect(Object.prototype.toString.call(quietSource())).toBe('[object EventSource]')
    })

    it('sets withCredentials from the init dictionary', () => {
      // §9.2.2 step 7: "If the value of eventSourceInitDict's withCredentials
      // member is true, then ... set ev's withCredentials attribute to true."
      expect(quietSource().withCredentials).toBe(false)
      expect(quietSource({ withCredentials: false }).withCredentials).toBe(false)
      expect(quietSource({ withCredentials: true }).withCredentials).toBe(true)
    })

    it('converts the init dictionary as WebIDL does', () => {
      // EventSourceInit { boolean withCredentials = false; }: the member is
      // converted with ToBoolean; null/undefined mean an empty dictionary.
      const url = scriptUrl(origin, uniqueKey('interface-init'), [{ end: 'hang' }])
      const truthy = track(Reflect.construct(EventSource, [url, { withCredentials: 1 }]) as FullEventSource)
      expect(truthy.withCredentials).toBe(true)
      const nullInit = track(Reflect.construct(EventSource, [url, null]) as FullEventSource)
      expect(nullInit.withCredentials).toBe(false)
      const undefinedInit = track(Reflect.construct(EventSource, [url, undefined]) as FullEventSource)
      expect(undefinedInit.withCredentials).toBe(false)
    })

    it('starts CONNECTING, synchronously after construction', () => {
      expect(quietSource().readyState).toBe(EventSource.CONNECTING)
    })

    it('returns undefined from close()', () => {
      expect(quietSource().close()).toBeUndefined()
    })
  })

  describe(`event handler attributes${suffix}`, () => {
    it('start null and return what was set', () => {
      const es = quietSource()
      expect([es.onopen, es.onmessage, es.onerror]).toEqual([null, null, null])
      const handler = (): void => {}
      es.onopen = handler
      es.onmessage = handler
      es.onerror = handler
      expect([es.onopen, es.onmessage, es.onerror]).toEqual([handler, handler, handler])
      es.onmessage = null
      expect(es.onmessage).toBeNull()
    })

    it('treat a non-object value as null', () => {
      // HTML: EventHandler is a [LegacyTreatNonObjectAsNull] callback function,
      // so setting a primitive stores null.
      const es = quietSource()
      es.onmessage = () => {}
      Reflect.set(es, 'onmessage', 'not a function')
      expect(es.onmessage).toBeNull()
    })

    it('are invoked for their own event type, with the source as `this` and the event as argument', () => {
      const es = quietSource()
      const calls: Array<[string, unknown, Event]> = []
      es.onopen = function (this: unknown, e: Event) {
        calls.push(['onopen', this, e])
      }
      es.onmessage = function (this: unknown, e: Event) {
        calls.push(['onmessage', this, e])
      }
      es.onerror = function (this: unknown, e: Event) {
        calls.push(['onerror', this, e])
      }
      const open = new Event('open')
      const message = new MessageEvent('message', { data: 'x' })
      const error = new Event('error')
      es.dispatchEvent(open)
      es.dispatchEvent(message)
      es.dispatchEvent(error)
      expect(calls).toEqual([
        ['onopen', es, open],
        ['onmessage', es, message],
        ['onerror', es, error],
      ])
    })

    it('run at the position where the handler was first set to non-null', () => {
      // HTML §8.1.8.1: setting an event handler to non-null for the first time
      // adds its listener to the list at that point.
      const es = quietSource()
      const order: string[] = []
      es.addEventListener('message', () => order.push('A'))
      es.onmessage = () => order.push('handler')
      es.addEventListener('message', () => order.push('B'))
      es.dispatchEvent(new MessageEvent('message'))
      expect(order).toEqual(['A', 'handler', 'B'])
    })

    it('keep their position when replaced by another function', () => {
      // HTML §8.1.8.1: when an event handler is set again while it already has a
      // listener, only the callback changes; the listener stays in place.
      const es = quietSource()
      const order: string[] = []
      es.addEventListener('message', () => order.push('A'))
      es.onmessage = () => order.push('first')
      es.addEventListener('message', () => order.push('B'))
      es.onmessage = () => order.push('second')
      es.dispatchEvent(new MessageEvent('message'))
      expect(order).toEqual(['A', 'second', 'B'])
    })

    it('move to the end when set to null and then set again', () => {
      // HTML §8.1.8.1: setting null deactivates the handler and removes its
      // listener; setting it later adds a new listener at the end.
      const es = quietSource()
      const order: string[] = []
      es.addEventListener('message', () => order.push('A'))
      es.onmessage = () => order.push('handler')
      es.addEventListener('message', () => order.push('B'))
      es.onmessage = null
      es.dispatchEvent(new MessageEvent('message'))
      expect(order).toEqual(['A', 'B'])
      es.addEventListener('message', () => order.push('C'))
      es.onmessage = () => order.push('again')
      order.length = 0
      es.dispatchEvent(new MessageEvent('message'))
      expect(order).toEqual(['A', 'B', 'C', 'again'])
    })

    it('do not remove listeners added with addEventListener, and are not removable with removeEventListener', () => {
      const es = quietSource()
      const order: string[] = []
      const handler = (): void => {
        order.push('handler')
      }
      es.onmessage = handler
      es.addEventListener('message', handler)
      // The attribute's listener is internal: removing `handler` removes only
      // the one added with addEventListener.
      es.removeEventListener('message', handler)
      es.dispatchEvent(new MessageEvent('message'))
      expect(order).toEqual(['handler'])
    })

    it('follow the same order for events the source dispatches itself', async () => {
      const url = scriptUrl(origin, uniqueKey('interface-order'), [{ chunks: ['data: x\n\n'], end: 'hang' }])
      const es = track(new EventSource(url))
      const order: string[] = []
      es.addEventListener('message', () => order.push('A'))
      es.onmessage = () => order.push('first')
      es.addEventListener('message', () => order.push('B'))
      es.onmessage = () => order.push('second')
      es.addEventListener('open', () => order.push('open listener'))
      es.onopen = () => order.push('onopen')
      const done = waitForEvent(es, 'message')
      es.addEventListener('message', () => order.push('C'))
      await done
      expect(order).toEqual(['open listener', 'onopen', 'A', 'second', 'B', 'C'])
    })
  })
}
