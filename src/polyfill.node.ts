/**
 * `eventsource-kit/polyfill` on Node: polyfill.ts, with the Node transport as
 * the default (node-default.ts).
 */
import './node-default.js'
import './polyfill.js'
