// vitest setupFile of test/runtimes/vitest.config.ts: which transport the library's requests go
// through when a test gives no `fetch`. `npm test` runs the Node suite twice on Node 24 (run.ts):
//   TEST_TRANSPORT=node (the default): the Node transport, as `import 'eventsource-kit'` gives on
//     Node through the package's `node` export condition (src/index.node.ts);
//   TEST_TRANSPORT=fetch: Node's global fetch, as with `transport: 'fetch'` and on every other runtime.
// Tests that stub globalThis.fetch keep working on both: a replaced fetch is what the library uses.
const transport = process.env.TEST_TRANSPORT ?? 'node'
if (transport === 'node') await import('../../src/node-default.js')
else if (transport !== 'fetch') throw new Error(`TEST_TRANSPORT must be node or fetch, not ${transport}`)
