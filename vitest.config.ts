import { defineConfig } from 'vitest/config'

// The unit suite runs in Node (the `node@24` devDependency puts Node 24 first on
// npm scripts' PATH). Every test talks to a real HTTP server on 127.0.0.1.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Starts the scriptable SSE server once and provides its origins to tests.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
