// vitest globalSetup for the WPT conformance cases (wpt.suite.ts): starts the fixture server of
// wpt-fixtures/ and provides its two origins. The runtime orchestrator calls this same function
// for the runtimes vitest does not run on.

import type { TestProject } from 'vitest/node'
import type { Target } from '../../wpt-fixtures/manifest.js'
import { startFixtureServer } from '../../wpt-fixtures/server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The fixture server's primary origin (upstream's `/eventsource/` lives under it). */
    wptBase: string
    /** Its second origin, for the cross-origin cases. */
    wptRemote: string
    /** Which column of the manifest's expectations applies where the cases run. */
    wptTarget: Target
  }
}

export default async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const server = await startFixtureServer()
  project.provide('wptBase', server.base)
  project.provide('wptRemote', server.remote)
  project.provide('wptTarget', 'node')
  return () => server.close()
}
