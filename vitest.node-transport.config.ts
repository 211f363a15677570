import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

// The same suite with the Node transport (src/node-transport, issue 21) as
// globalThis.fetch: the proof that it behaves as the fetch path does, until
// it becomes the default on Node. Run a file or the whole Node suite:
//   npx vitest run -c vitest.node-transport.config.ts test/node/hostile.test.ts
export default mergeConfig(base, defineConfig({ test: { setupFiles: ['test/support/use-node-transport.ts'] } }))
