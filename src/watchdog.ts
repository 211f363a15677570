/**
 * The inactivity watchdog (`inactivityTimeout`): an attempt that receives no
 * byte for `timeout` ms, from its request on (headers that never come
 * count), is aborted and ends as a `timeout`, which reestablishes the
 * connection. The lite class has none.
 *
 * It checks a timestamp rather than re-arming a timer per chunk, so the
 * per-chunk cost is one clock read (connection.ts).
 */
import { type Attempt, type Connection, now, type Watchdog } from './connection.js'

/** Past due by more than this (or the timeout), a check means the page was frozen or the machine slept. */
const FROZEN = 60_000

/** One per source; it holds nothing but the timeout. */
export class InactivityWatchdog implements Watchdog {
  readonly timeout: number

  constructor(timeout: number) {
    this.timeout = timeout
  }

  watch(attempt: Attempt, connection: Connection): void {
    const timeout = this.timeout
    attempt.lastActivity = now()
    let due = attempt.lastActivity + timeout
    const check = (): void => {
      if (!attempt.active) return
      const at = now()
      // Time the page spent frozen, or the machine asleep, is not silence:
      // a check that fires late counts only the idle time its timer saw. Far
      // past due, the connection itself cannot be trusted any more (the
      // server or a NAT may have dropped it meanwhile): start again at once.
      const late = Math.max(0, at - due)
      if (late > Math.max(timeout, FROZEN)) return connection.restart()
      const idle = at - attempt.lastActivity - late
      if (idle >= timeout) {
        attempt.timedOut = timeout
        attempt.abort(new DOMException(`No data for ${timeout} ms`, 'TimeoutError'))
      } else {
        due = at + timeout - idle
        attempt.watchdog = setTimeout(check, timeout - idle)
      }
    }
    attempt.watchdog = setTimeout(check, timeout)
  }
}
