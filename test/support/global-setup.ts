// Starts one scriptable SSE server for the whole run and hands its origins to
// the test files through vitest's `provide`/`inject`, so tests never import
// Node APIs and only ever deal in URLs (the same files can run elsewhere).

import type { TestProject } from 'vitest/node'
import { startSseServer } from './sse-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the scriptable SSE server, e.g. `http://127.0.0.1:40123`. */
    sseOrigin: string
    /** A second origin (another port) served by the same server state: the
     *  target for cross-origin redirects. */
    sseCrossOrigin: string
    /** An origin where connections are refused (nothing listens). */
    sseRefusedOrigin: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startSseServer()
  project.provide('sseOrigin', server.origin)
  project.provide('sseCrossOrigin', server.crossOrigin)
  project.provide('sseRefusedOrigin', server.refusedOrigin)
  return () => server.close()
}
