/**
 * The rejection handler for a promise whose failure means nothing to us
 * (cancelling a body that is already gone), shared so every module uses one.
 */
export function ignore(): void {}
