import { type Outcome, runCase } from './case-kit.js'
import { caseByName } from './cases.js'
import { ClientEventSource, ClientLiteEventSource, type Variant } from './client.js'

// Bundled by esbuild into /eventsource/runner.js: lets the Chromium runner start one case in the
// page, against this project's EventSource, its lite one, or the browser's own.

declare global {
  interface Window {
    runWptCase(name: string, variant: Variant, remote: string): Promise<Outcome>
  }
}

window.runWptCase = async (name, variant, remote) => {
  const c = caseByName.get(name)
  if (c === undefined) return { status: 'fail', message: `no case named ${name}` }
  const EventSource = variant === 'native' ? window.EventSource : variant === 'lite' ? ClientLiteEventSource : ClientEventSource
  return runCase(c, { EventSource, base: location.origin, remote })
}
