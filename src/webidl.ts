/**
 * What WebIDL gives the `EventSource` interface and class syntax does not,
 * applied to both classes (`eventsource-kit` and `eventsource-kit/lite`) so
 * that they look the same as the browser's to code that inspects them (WPT
 * eventsource-prototype, eventsource-eventtarget).
 *
 * @see https://webidl.spec.whatwg.org/#es-interfaces
 */
import { getEventHandler, setEventHandler } from './event-handler.js'
import { CLOSED, CONNECTING, OPEN } from './ready-state.js'

/** The members of §9.2.2's IDL that each class defines: attributes and the operation. */
const MEMBERS = ['url', 'withCredentials', 'readyState', 'close']

/**
 * Constants, the event handler attributes (`onopen`, `onmessage`, `onerror`:
 * each class only declares their types), enumerable members and the
 * `[object EventSource]` tag.
 */
export function defineEventSourceInterface(constructor: abstract new (...args: never[]) => EventTarget): void {
  const prototype = constructor.prototype as object
  // WebIDL constants live on the interface object and on its prototype, and
  // are enumerable but neither writable nor configurable (the defaults of a
  // property defineProperty makes).
  for (const [name, value] of [
    ['CONNECTING', CONNECTING],
    ['OPEN', OPEN],
    ['CLOSED', CLOSED],
  ] as const) {
    const descriptor = { value, enumerable: true }
    Object.defineProperty(constructor, name, descriptor)
    Object.defineProperty(prototype, name, descriptor)
  }
  // §9.2.2: "attribute EventHandler onopen; … onmessage; … onerror;", with
  // the semantics of event-handler.ts; enumerable, as WebIDL attributes are.
  for (const type of ['open', 'message', 'error']) {
    Object.defineProperty(prototype, `on${type}`, {
      get(this: EventTarget) {
        return getEventHandler(this, type)
      },
      set(this: EventTarget, handler: unknown) {
        setEventHandler(this, type, handler)
      },
      enumerable: true,
      configurable: true,
    })
  }
  // WebIDL attributes and operations are enumerable; class syntax makes them not.
  for (const name of MEMBERS) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)
    if (descriptor !== undefined) Object.defineProperty(prototype, name, { ...descriptor, enumerable: true })
  }
  Object.defineProperty(prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true })
}
