/**
 * A stream that survives the page's life (issue 17): the back/forward cache,
 * the network coming back, a page resumed from a freeze, and the opt-in
 * `pauseWhenHidden`.
 * The full `EventSource` only; the lite class is the browser's interface alone.
 *
 * One listener per realm, added with the first source, drives every live
 * connection through the three quiet moves of the processing model:
 * `suspend()` (stop, no `error`), `resume()` (reconnect now unless connected,
 * the backoff count reset) and `restart()` (drop the attempt, start anew).
 * Realms without the events never fire them (workers have `online` only);
 * Node and Bun have no `addEventListener` at all, and hold nothing here.
 *
 * Small on purpose: it is in every full bundle (bench/bundle.mjs).
 */
import type { Connection } from './connection.js'
import { CLOSED } from './ready-state.js'

interface Watched {
  connection: Connection
  /** `pauseWhenHidden`, 0 when off. */
  pause: number
  timer?: ReturnType<typeof setTimeout>
  /** Suspended because the document stayed hidden: only becoming visible resumes it. */
  paused?: boolean
}

const watched = new Set<Watched>()
let listening = false

/**
 * What the page's life means for each live connection; closed ones are
 * forgotten (also with no event, when a source is made).
 */
function onLifecycle(event?: Event): void {
  const type = event?.type
  for (const entry of watched) {
    const connection = entry.connection
    if (connection.readyState === CLOSED) {
      watched.delete(entry)
    } else if (type === 'visibilitychange') {
      const hidden = (event?.target as Document).hidden
      clearTimeout(entry.timer)
      if (hidden && entry.pause > 0) {
        entry.timer = setTimeout(() => {
          entry.paused = true
          connection.suspend()
        }, entry.pause)
      } else if (!hidden && entry.paused) {
        entry.paused = false
        connection.resume()
      }
    } else if (type !== undefined && !entry.paused && (event as PageTransitionEvent).persisted !== false) {
      // whatwg/html PR #12381: entering the back/forward cache aborts the
      // stream with no `error`; restored, the page reconnects at once with
      // Last-Event-ID, no `error`, no wait. A `pagehide` that is not
      // persisted unloads the page, and its sources with it. `online`: a
      // source waiting out its reconnect delay tries now. `resume` (Page
      // Lifecycle, after `freeze`): timers stopped while frozen, so a wait
      // that spanned the freeze has waited enough. (An open stream that died
      // meanwhile is the inactivity watchdog's, watchdog.ts.)
      if (type === 'pagehide') connection.suspend()
      else connection.resume()
    }
  }
}

/**
 * Puts `connection` under the page's lifecycle until it closes.
 *
 * @param pause - `pauseWhenHidden`: ms the document may stay hidden before the
 *   connection is suspended (until visible again); 0 or less: never
 * @returns `connection`
 */
export function watchLifecycle(connection: Connection, pause = 0): Connection {
  if (typeof addEventListener === 'function') {
    // On the global object, capturing: `resume` and `visibilitychange` are
    // fired at the document, and Chromium's `resume` does not bubble.
    // workerd's global refuses capturing listeners (and fires none of these).
    try {
      if (!listening) for (const type of ['pagehide', 'pageshow', 'online', 'resume', 'visibilitychange']) addEventListener(type, onLifecycle, true)
    } catch {}
    listening = true
    onLifecycle()
    watched.add({ connection, pause })
  }
  return connection
}
