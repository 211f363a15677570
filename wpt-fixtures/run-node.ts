import { runCase } from './case-kit.js'
import { ClientEventSource, ClientLiteEventSource } from './client.js'
import { type TargetResults, runTarget } from './results.js'
import { startFixtureServer } from './server.js'

/**
 * The `node` target: every case against this project's EventSource in this Node process;
 * `node-lite` (`lite: true`) against eventsource-kit/lite.
 */
export async function runNode(options: { concurrency?: number; lite?: boolean } = {}): Promise<TargetResults> {
  // A server of its own, so server-side state never mixes with another target's.
  const server = await startFixtureServer()
  try {
    const env = { EventSource: options.lite === true ? ClientLiteEventSource : ClientEventSource, base: server.base, remote: server.remote }
    return await runTarget(options.lite === true ? 'node-lite' : 'node', (c) => runCase(c, env), options.concurrency ?? 16)
  } finally {
    await server.close()
  }
}
