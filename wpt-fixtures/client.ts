import { EventSource } from '../src/index.js'
import type { EventSourceClass } from './case-kit.js'

// The one place the client under test is imported, for the `node` and `chromium` targets.
// The cases are typed against the DOM's EventSource interface, which this class implements.
export const ClientEventSource = EventSource as unknown as EventSourceClass
