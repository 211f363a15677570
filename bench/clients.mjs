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
// The Node entry (the package's `node` condition): the Node transport as the default, `response: 'auto'`.
const PLUS_NODE = process.env.BENCH_PLUS ? pathToFileURL(`${process.env.BENCH_PLUS}/dist/index.node.js`).href : '../dist/index.node.js'
const PLUS_LITE = process.env.BENCH_PLUS ? pathToFileURL(`${process.env.BENCH_PLUS}/dist/lite.js`).href : '../dist/lite.js'
const PLUS_TRANSPORT = process.env.BENCH_PLUS
  ? pathToFileURL(`${process.env.BENCH_PLUS}/dist/node-transport/index.js`).href
  : '../dist/node-transport/index.js'
// The bench server's certificate (the test fixture), trusted by the `+h2` clients.
const BENCH_CA = new URL('../test/node/fixtures/tls-cert.pem', import.meta.url)

/**
 * The Node transport (issue 21) for the `+h2`, `+light` and `floor+node`
 * clients (the `+node` ones import the Node entry instead, with no `fetch`
 * option): `node` is `nodeFetch` (HTTP/1.1 to the plain-http bench server);
 * `h2` is a transport trusting the bench certificate, to the server's TLS
 * port, where ALPN picks HTTP/2 and every stream shares one session, with
 * the default's `response: 'auto'`.
 */
async function transport(kind) {
  const module = await import(PLUS_TRANSPORT)
  if (kind === 'node') return module.nodeFetch
  if (kind === 'light') return module.createNodeTransport({ response: 'light' })
  const { readFileSync } = await import('node:fs')
  return module.createNodeTransport({ tls: { ca: readFileSync(BENCH_CA) }, response: kind === 'h2-light' ? 'light' : 'auto' })
}

/** Client names, in the order the table shows them. */
export const CLIENTS = [
  'eventsource-kit',
  'eventsource-kit/fetchEvents',
  'eventsource-kit/lite',
  'eventsource-kit+node',
  'eventsource-kit/fetchEvents+node',
  'eventsource',
  'undici',
  'fetch-event-source',
  'floor',
  'floor+node',
]

/**
 * Clients that reach the bench server over HTTP/2 (its TLS port): measured
 * only in the many-streams scenarios, where the cost of an extra stream on a
 * shared session is the question. Same adapters as their `+node` twins.
 */
export const H2_CLIENTS = ['eventsource-kit+h2', 'eventsource-kit/fetchEvents+h2', 'eventsource-kit+h2-light', 'eventsource-kit/fetchEvents+h2-light']

/**
 * Opt-in (`--clients`): the transport's `response: 'light'` shape (no web
 * stream), over HTTP/1.1 and HTTP/2, for the question of what a lighter
 * response interface would save.
 */
export const LIGHT_CLIENTS = ['eventsource-kit+light', 'eventsource-kit/fetchEvents+light', 'eventsource-kit+h2-light', 'eventsource-kit/fetchEvents+h2-light', 'floor+light', 'floor+event+light']

/** The clients of the many-streams scenarios (10 000 streams in one process): the library on each transport, and fetch's floor. */
export const STREAM_CLIENTS = [
  'eventsource-kit',
  'eventsource-kit/fetchEvents',
  'eventsource-kit+node',
  'eventsource-kit/fetchEvents+node',
  'eventsource-kit+h2',
  'eventsource-kit/fetchEvents+h2',
  'floor',
  ...LIGHT_CLIENTS,
]

/**
 * Reference clients (bench/reference.mjs), each with the kind of client it is
 * the least of: the floor plus the least each of this library's surfaces must
 * add. Not clients anyone would use; measured only where a per-event cost
 * shows (throughput and latency).
 */
export const BOUNDS = {
  'floor+event': 'an EventTarget-based client (eventsource-kit, eventsource-kit/lite)',
  'floor+for-await': 'an async-iterable client (eventsource-kit/fetchEvents)',
}
export const REFERENCES = Object.keys(BOUNDS)
export const REFERENCE_SCENARIOS = ['small', 'large', 'latency']

/** Notes printed under the table, per client. */
export const NOTES = {
  'eventsource-kit': "EventSource from dist/index.js (npm run build), on fetch, as in browsers, Deno and Bun and with transport: 'fetch' on Node; onmessage",
  'eventsource-kit/fetchEvents': 'for await (const event of fetchEvents(url)) from dist/index.js, on fetch',
  'eventsource-kit/lite': 'EventSource of eventsource-kit/lite from dist/ (the browser\'s EventSource, no options), onmessage',
  'eventsource-kit+node': "EventSource as `import 'eventsource-kit'` gives it on Node (dist/index.node.js): the Node transport, the default there; HTTP/1.1, onmessage",
  'eventsource-kit/fetchEvents+node': "fetchEvents(url) from dist/index.node.js: the Node transport, the default on Node; HTTP/1.1",
  'eventsource-kit+h2': "EventSource with the Node transport (response: 'auto', as the default) over TLS, HTTP/2 by ALPN: all streams on one session",
  'eventsource-kit/fetchEvents+h2': "fetchEvents() with the Node transport (response: 'auto', as the default) over TLS, HTTP/2 by ALPN: all streams on one session",
  'eventsource-kit+light': "EventSource with createNodeTransport({ response: 'light' }) (no web stream; HTTP/1.1)",
  'eventsource-kit/fetchEvents+light': "fetchEvents() with createNodeTransport({ response: 'light' }) (HTTP/1.1)",
  'eventsource-kit+h2-light': "EventSource with response: 'light' over HTTP/2, one session",
  'eventsource-kit/fetchEvents+h2-light': "fetchEvents() with response: 'light' over HTTP/2, one session",
  eventsource: 'eventsource@VERSION, onmessage',
  undici: "undici@VERSION `import { EventSource } from 'undici'` (uses undici's own fetch, not Node's bundled one)",
  'fetch-event-source':
    '@microsoft/fetch-event-source@VERSION is browser-only; run with a minimal shim: globalThis.window = { fetch, setTimeout, clearTimeout }, globalThis.document = { hidden: false, addEventListener() {}, removeEventListener() {} }, and openWhenHidden: true',
  floor: 'fetch + reader + TextDecoder + eventsource-parser@VERSION, no event objects (bench/floor.mjs)',
  'floor+node': 'the floor with nodeFetch for fetch: what the Node transport itself allows',
  'floor+light': "the floor on createNodeTransport({ response: 'light' }): the least a client on the Node transport and eventsource-parser holds per stream",
  'floor+event+light': 'reference: floor+event on the light transport: the least an EventTarget-based client on the Node transport does per event',
  'floor+event':
    'reference: the floor, plus an `Event` subclass carrying the data, dispatched to one listener per message: the least an EventTarget-based client adds (bench/reference.mjs)',
  'floor+for-await':
    'reference: the floor, plus a minimal async iterator (unbounded queue, no back-pressure) consumed by `for await`: the least an async-iterable client adds (bench/reference.mjs)',
}

export const PACKAGES = {
  'eventsource-kit': null,
  'eventsource-kit/fetchEvents': null,
  'eventsource-kit/lite': null,
  'eventsource-kit+node': null,
  'eventsource-kit/fetchEvents+node': null,
  'eventsource-kit+h2': null,
  'eventsource-kit/fetchEvents+h2': null,
  'eventsource-kit+light': null,
  'eventsource-kit/fetchEvents+light': null,
  'eventsource-kit+h2-light': null,
  'eventsource-kit/fetchEvents+h2-light': null,
  eventsource: 'eventsource',
  undici: 'undici',
  'fetch-event-source': '@microsoft/fetch-event-source',
  floor: 'eventsource-parser',
  'floor+node': 'eventsource-parser',
  'floor+light': 'eventsource-parser',
  'floor+event+light': 'eventsource-parser',
  'floor+event': 'eventsource-parser',
  'floor+for-await': 'eventsource-parser',
}

/** An EventSource-shaped class: onmessage for data, onerror for anything wrong. */
function eventSourceAdapter(EventSource, init) {
  return (url, on) => {
    const source = new EventSource(url, init)
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

/** `for await` over fetchEvents(), on the given transport (the global fetch when undefined). */
async function fetchEventsAdapter(fetchImpl, entry = PLUS) {
  const { fetchEvents } = await import(entry)
  const init = fetchImpl === undefined ? {} : { fetch: fetchImpl }
  return promiseAdapter(async (url, on, signal, closed) => {
    for await (const event of fetchEvents(url, { ...init, signal })) {
      on.data(event.data)
      if (closed()) break
    }
  })
}

const loaders = {
  async 'eventsource-kit'() {
    const { EventSource } = await import(PLUS)
    return eventSourceAdapter(EventSource)
  },

  async 'eventsource-kit/fetchEvents'() {
    return fetchEventsAdapter(undefined)
  },

  async 'eventsource-kit+node'() {
    const { EventSource } = await import(PLUS_NODE)
    return eventSourceAdapter(EventSource)
  },

  async 'eventsource-kit+h2'() {
    const { EventSource } = await import(PLUS)
    return eventSourceAdapter(EventSource, { fetch: await transport('h2') })
  },

  async 'eventsource-kit/fetchEvents+node'() {
    return fetchEventsAdapter(undefined, PLUS_NODE)
  },

  async 'eventsource-kit/fetchEvents+h2'() {
    return fetchEventsAdapter(await transport('h2'))
  },

  async 'eventsource-kit+light'() {
    const { EventSource } = await import(PLUS)
    return eventSourceAdapter(EventSource, { fetch: await transport('light') })
  },

  async 'eventsource-kit+h2-light'() {
    const { EventSource } = await import(PLUS)
    return eventSourceAdapter(EventSource, { fetch: await transport('h2-light') })
  },

  async 'eventsource-kit/fetchEvents+light'() {
    return fetchEventsAdapter(await transport('light'))
  },

  async 'eventsource-kit/fetchEvents+h2-light'() {
    return fetchEventsAdapter(await transport('h2-light'))
  },

  async 'eventsource-kit/lite'() {
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

  async 'floor+node'() {
    const { floor } = await import('./floor.mjs')
    const fetchImpl = await transport('node')
    return promiseAdapter((url, on, signal) => floor(url, on.data, signal, fetchImpl))
  },

  async 'floor+light'() {
    const { floor } = await import('./floor.mjs')
    const fetchImpl = await transport('light')
    return promiseAdapter((url, on, signal) => floor(url, on.data, signal, fetchImpl))
  },

  async 'floor+event+light'() {
    const { floorEvent } = await import('./reference.mjs')
    const fetchImpl = await transport('light')
    return promiseAdapter((url, on, signal) => floorEvent(url, on.data, signal, fetchImpl))
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
