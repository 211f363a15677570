/**
 * `eventsource-kit/share`: the full entry, with the `share` option working
 * (issue 17). Its code is here rather than in every full bundle.
 *
 * @example
 * ```ts
 * import { EventSource } from 'eventsource-kit/share'
 *
 * // Every tab of this origin with this URL shares one connection.
 * const source = new EventSource('/events', { share: true })
 * source.onmessage = (event) => console.log(event.data)
 * ```
 *
 * @packageDocumentation
 */
import { enableSharing } from './shared-connection.js'

enableSharing()

export * from './index.js'
