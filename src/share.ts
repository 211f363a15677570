/**
 * `eventsource-kit/share`: kept so that imports of it go on working. It is
 * the full entry: `share` now works from `eventsource-kit` itself, which
 * loads the sharing code when a source asks for it (issue 17).
 *
 * @deprecated Import from `eventsource-kit`; the option is the same.
 * @packageDocumentation
 */
export * from './index.js'
