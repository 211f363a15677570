import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig } from 'vitest/config'
import base from '../../vitest.config.js'

// What `npm test` runs with vitest on Node 24, 22 and 26: the project's vitest.config.ts (every
// test file, Node-only ones included) plus the ported WPT cases as a test file of their own, the
// same file the other runtimes run through the shim. mergeConfig appends to the arrays. run.ts
// leaves test/conformance.test.ts (Chromium's own EventSource, run once) to Node 24 alone.
// Requests go through the Node transport, or Node's fetch with TEST_TRANSPORT=fetch.
export default mergeConfig(
  base,
  defineConfig({
    root: fileURLToPath(new URL('../..', import.meta.url)),
    test: {
      include: ['test/runtimes/wpt.suite.ts'],
      globalSetup: ['test/runtimes/wpt-setup.ts'],
      // The Node transport, or with TEST_TRANSPORT=fetch Node's fetch (transport-setup.ts).
      setupFiles: ['test/support/transport-setup.ts'],
    },
  }),
)
