/**
 * `eventsource-kit/polyfill`: installs this package's {@link EventSource} as
 * `globalThis.EventSource`, but only where the runtime has none.
 *
 * Browsers, Web Workers, Deno and Bun have their own `EventSource`, which is
 * left in place. Node (20, 22 and 24) has none unless started with
 * `--experimental-eventsource`, so there the import adds it.
 *
 * @example
 * ```ts
 * import 'eventsource-kit/polyfill'
 *
 * // Code written for the browser's EventSource now also runs on Node.
 * const source = new EventSource('https://example.com/events')
 * source.onmessage = (event) => console.log(event.data)
 * ```
 *
 * To use this package's class everywhere, including where a native one exists,
 * import it instead: `import { EventSource } from 'eventsource-kit'`.
 *
 * @packageDocumentation
 */
import { EventSource } from './event-source.js'

if (typeof globalThis.EventSource === 'undefined') {
  Object.defineProperty(globalThis, 'EventSource', {
    // The same attributes as a WebIDL interface object on the global.
    value: EventSource,
    writable: true,
    enumerable: false,
    configurable: true,
  })
}
