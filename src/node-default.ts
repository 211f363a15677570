/**
 * On Node, the Node transport (node-transport/, `node:http`, `node:https`,
 * `node:http2`) becomes what requests go through when no `fetch` is given.
 * Imported for this effect by the Node entries (index.node.ts,
 * polyfill.node.ts), which the package's `node` export condition chooses
 * after the conditions of Deno, Bun, workers and browsers, which keep `fetch`.
 */
import { createNodeTransport } from './node-transport/index.js'
import { defaultTransport } from './request.js'

// An event stream's body as the light body, which the model reads as it
// reads a web stream, for less heap per open stream; every other response a
// real `Response`, for the errors that carry it (NodeTransportOptions.response).
const transport = createNodeTransport({ response: 'auto' })

// Node's own fetch as it was when this module loaded. A different
// globalThis.fetch at the time of an attempt was put there by someone (msw's
// and nock's interceptors, a polyfill, a test's stub), who expects this
// library's requests to reach it, as they did when it always used fetch.
const runtimeFetch = globalThis.fetch

// Deno's require() matches the `node` condition, not `deno` (measured with
// Deno 2.9.5, test/runtimes/package-smoke.ts), and Bun may too: their fetch
// is their own, and it stays theirs.
const isNode = !('Deno' in globalThis) && !('Bun' in globalThis)

if (isNode) defaultTransport.fetch = (input, init) => (globalThis.fetch === runtimeFetch ? transport : globalThis.fetch)(input, init)
