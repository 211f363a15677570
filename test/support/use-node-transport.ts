// vitest setupFile of vitest.node-transport.config.ts: every `fetch` the
// library makes by default (src/request.ts looks up globalThis.fetch at each
// call) goes through the Node transport instead, so any existing suite runs
// on it unchanged: `npx vitest run -c vitest.node-transport.config.ts test/node/hostile.test.ts`.
// The tests' own helper requests (request logs, signals) go through it too.
import { nodeFetch } from '../../src/node-transport/index.js'

const globalFetch = globalThis.fetch
globalThis.fetch = Object.assign((input: RequestInfo | URL, init?: RequestInit) => nodeFetch(input instanceof URL ? input.href : input, init), {
  // Kept for a test that wants the runtime's own fetch side by side.
  runtimeFetch: globalFetch,
}) as typeof fetch
