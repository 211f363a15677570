import { EventSource } from '../src/index.js'
import { EventSource as LiteEventSource } from '../src/lite.js'
import type { EventSourceClass } from './case-kit.js'

// The one place the client under test is imported, for the `node` and `chromium` targets.
// The cases are typed against the DOM's EventSource interface, which this class implements.
export const ClientEventSource = EventSource as unknown as EventSourceClass

/** `eventsource-kit/lite`, for the `node-lite` and `chromium-lite` targets. */
export const ClientLiteEventSource = LiteEventSource as unknown as EventSourceClass

/** Which EventSource a target runs the cases against. */
export type Variant = 'plus' | 'lite' | 'native'
