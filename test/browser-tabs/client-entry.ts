// The tab page's script (server.ts bundles it): the main entry's EventSource as `window.ES`.
import { EventSource } from '../../src/index.js'

;(globalThis as unknown as { ES: typeof EventSource }).ES = EventSource
