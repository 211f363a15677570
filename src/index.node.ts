/**
 * eventsource-kit on Node: index.ts, with the Node transport as the default
 * (node-default.ts).
 *
 * @packageDocumentation
 */
import './node-default.js'

export * from './index.js'
