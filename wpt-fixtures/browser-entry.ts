import { type Outcome, runCase } from './case-kit.js'
import { caseByName } from './cases.js'
import { ClientEventSource } from './client.js'

// Bundled by esbuild into /eventsource/runner.js: lets the Chromium runner start one case in the
// page, against this project's EventSource or the browser's own.

declare global {
  interface Window {
    runWptCase(name: string, native: boolean, remote: string): Promise<Outcome>
  }
}

window.runWptCase = async (name, native, remote) => {
  const c = caseByName.get(name)
  if (c === undefined) return { status: 'fail', message: `no case named ${name}` }
  const EventSource = native ? window.EventSource : ClientEventSource
  return runCase(c, { EventSource, base: location.origin, remote })
}
