// One adapter per client under test, all with the same shape:
//
//   const open = await load()
//   const close = open(url, { data(text) {}, error(err) {} })
//
// `data` runs for every `message` event with its data (every consumer reads
// the data, as a real one would); `error` for anything that is not the
// stream working. Each adapter is loaded only in the worker process that
// measures it, so no client's module, shims or globals touch another's run.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)

// `--plus DIR` (run.mjs) measures another build of this client: DIR/dist/index.js and DIR/dist/lite.js.
const PLUS = process.env.BENCH_PLUS ? pathToFileURL(`${process.env.BENCH_PLUS}/dist/index.js`).href : '../dist/index.js'
const PLUS_LITE = process.env.BENCH_PLUS ? pathToFileURL(`${process.env.BENCH_PLUS}/dist/lite.js`).href : '../dist/lite.js'

/** Client names, in the order the table shows them. */
export const CLIENTS = [
  'eventsource-plus',
  'eventsource-plus/fetchEvents',
  'eventsource-plus/lite',
  'eventsource',
  'undici',
  'fetch-event-source',
  'floor',
]

/**
 * Reference clients (bench/reference.mjs), each with the kind of client it is
 * the least of: the floor plus the least each of this library's surfaces must
 * add. Not clients anyone would use; measured only where a per-event cost
 * shows (throughput and latency).
 */
export const BOUNDS = {
  'floor+event': 'an EventTarget-based client (eventsource-plus, eventsource-plus/lite)',
  'floor+for-await': 'an async-iterable client (eventsource-plus/fetchEvents)',
}
export const REFERENCES = Object.keys(BOUNDS)
export const REFERENCE_SCENARIOS = ['small', 'large', 'latency']

/** Notes printed under the table, per client. */
export const NOTES = {
  'eventsource-plus': 'EventSource from dist/ (npm run build), onmessage',
  'eventsource-plus/fetchEvents': 'for await (const event of fetchEvents(url))',
  'eventsource-plus/lite': 'EventSource of eventsource-plus/lite from dist/ (the browser\'s EventSource, no options), onmessage',
  eventsource: 'eventsource@VERSION, onmessage',
  undici: "undici@VERSION `import { EventSource } from 'undici'` (uses undici's own fetch, not Node's bundled one)",
  'fetch-event-source':
    '@microsoft/fetch-event-source@VERSION is browser-only; run with a minimal shim: globalThis.window = { fetch, setTimeout, clearTimeout }, globalThis.document = { hidden: false, addEventListener() {}, removeEventListener() {} }, and openWhenHidden: true',
  floor: 'fetch + reader + TextDecoder + eventsource-parser@VERSION, no event objects (bench/floor.mjs)',
  'floor+event':
    'reference: the floor, plus an `Event` subclass carrying the data, dispatched to one listener per message: the least an EventTarget-based client adds (bench/reference.mjs)',
  'floor+for-await':
    'reference: the floor, plus a minimal async iterator (unbounded queue, no back-pressure) consumed by `for await`: the least an async-iterable client adds (bench/reference.mjs)',
}

export const PACKAGES = {
  'eventsource-plus': null,
  'eventsource-plus/fetchEvents': null,
  'eventsource-plus/lite': null,
  eventsource: 'eventsource',
  undici: 'undici',
  'fetch-event-source': '@microsoft/fetch-event-source',
  floor: 'eventsource-parser',
  'floor+event': 'eventsource-parser',
  'floor+for-await': 'eventsource-parser',
}

/** An EventSource-shaped class: onmessage for data, onerror for anything wrong. */
function eventSourceAdapter(EventSource) {
  return (url, on) => {
    const source = new EventSource(url)
    source.onmessage = (event) => on.data(event.data)
    source.onerror = () => on.error(new Error(`error event, readyState ${source.readyState}`))
    return () => source.close()
  }
}

/**
 * A promise-shaped client: `run` streams until the promise settles. Settling
 * before close() is the stream ending or failing, both reported as errors.
 */
function promiseAdapter(run) {
  return (url, on) => {
    const controller = new AbortController()
    let closed = false
    run(url, on, controller.signal, () => closed).then(
      () => {
        if (!closed) on.error(new Error('stream ended'))
      },
      (error) => {
        if (!closed) on.error(error)
      },
    )
    return () => {
      closed = true
      controller.abort()
    }
  }
}

const loaders = {
  async 'eventsource-plus'() {
    const { EventSource } = await import(PLUS)
    return eventSourceAdapter(EventSource)
  },

  async 'eventsource-plus/fetchEvents'() {
    const { fetchEvents } = await import(PLUS)
    return promiseAdapter(async (url, on, signal, closed) => {
      for await (const event of fetchEvents(url, { signal })) {
        on.data(event.data)
        if (closed()) break
      }
    })
  },

  async 'eventsource-plus/lite'() {
    const { EventSource } = await import(PLUS_LITE)
    return eventSourceAdapter(EventSource)
  },

  async eventsource() {
    const { EventSource } = await import('eventsource')
    return eventSourceAdapter(EventSource)
  },

  async undici() {
    const { EventSource } = await import('undici')
    return eventSourceAdapter(EventSource)
  },

  async 'fetch-event-source'() {
    // The package is browser-only: it reads `window.fetch`,
    // `window.setTimeout`/`clearTimeout` and `document.*EventListener`. This
    // is the least that makes it run on Node; openWhenHidden: true keeps it
    // from watching `visibilitychange`. Its ESM build imports './parse'
    // without an extension, which Node's ESM loader refuses, so the CJS
    // build is loaded.
    globalThis.window ??= { fetch: (...args) => fetch(...args), setTimeout, clearTimeout }
    globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} }
    const { fetchEventSource, EventStreamContentType } = require('@microsoft/fetch-event-source')
    return promiseAdapter((url, on, signal) =>
      fetchEventSource(url, {
        signal,
        openWhenHidden: true,
        fetch,
        // The default onopen, minus nothing: the same content-type check.
        async onopen(response) {
          const type = response.headers.get('content-type')
          if (!type?.startsWith(EventStreamContentType)) throw new Error(`content-type ${type}`)
        },
        onmessage: (message) => on.data(message.data),
        onerror(error) {
          // Throwing stops its retry loop.
          throw error
        },
      }),
    )
  },

  async floor() {
    const { floor } = await import('./floor.mjs')
    return promiseAdapter((url, on, signal) => floor(url, on.data, signal))
  },

  async 'floor+event'() {
    const { floorEvent } = await import('./reference.mjs')
    return promiseAdapter((url, on, signal) => floorEvent(url, on.data, signal))
  },

  async 'floor+for-await'() {
    const { floorIterator } = await import('./reference.mjs')
    return promiseAdapter(async (url, on, signal, closed) => {
      for await (const data of floorIterator(url, signal)) {
        on.data(data)
        if (closed()) break
      }
    })
  },
}

/** @param {string} name */
export function load(name) {
  const loader = loaders[name]
  if (loader === undefined) throw new Error(`unknown client ${name}`)
  return loader()
}
