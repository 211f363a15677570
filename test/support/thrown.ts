// What a `fetchEvents()` loop throws, for the error tests (error-kinds, error-body).

import { expect } from 'vitest'
import { EventStreamError, fetchEvents } from '../../src/index.js'

/** The `EventStreamError` a loop over `url` ends with; fails the test if it ends without one. */
export async function thrown(url: string, init: Parameters<typeof fetchEvents>[1] = {}): Promise<EventStreamError> {
  try {
    for await (const _event of fetchEvents(url, init)) {
      // Only the error matters.
    }
  } catch (error) {
    expect(error).toBeInstanceOf(EventStreamError)
    return error as EventStreamError
  }
  throw new Error('the loop ended without an error')
}
