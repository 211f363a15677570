/**
 * The mode of both `EventSource` classes: what the processing model
 * (connection.ts) reports, fired as DOM events on the source, each in a task
 * of its own as the spec queues them.
 *
 * §9.2.6 dispatch step 8: "Queue a task which … dispatches the newly created
 * event". After every task the event loop performs a microtask checkpoint, so
 * the microtasks the listeners of one event queue run before the next event.
 *
 * What it cannot match: Chromium dispatches from native code and checkpoints
 * after every listener, so a listener's whole chain of awaits finishes first.
 * Here the next event follows the microtasks queued so far, which is one step
 * of such a chain (test/events.test.ts pins both orders). Only a macrotask
 * drains a chain, and on Node even the cheapest full drain (a reaction, then
 * process.nextTick) costs several times this per event (bench/README.md).
 */
import type { EventSourceMessage } from 'eventsource-parser'
import type { ChunkEvents, ConnectionError, ConnectionSink } from './connection.js'
import { SourceMessageEvent } from './message-event.js'

/**
 * Fires the connection's events at an `EventTarget`. Its `error` events are
 * plain `Event`s, as the browser's (the lite class); the full class
 * overrides {@link errorEvent}. A class rather than an object of closures: an
 * idle source holds one small object for it.
 */
export class EventTargetSink implements ConnectionSink {
  protected readonly target: EventTarget

  constructor(target: EventTarget) {
    this.target = target
  }

  open(): void {
    this.target.dispatchEvent(new Event('open'))
  }

  dispatch(chunk: ChunkEvents): Promise<void> | undefined {
    const { pending, origin } = chunk
    return dispatchEach(pending.length / 2, (index) => {
      // "if the readyState attribute is set to a value other than CLOSED":
      // a listener may have called close() for an earlier event.
      if (!chunk.active) return false
      const message = pending[2 * index] as EventSourceMessage
      // Dispatch steps 4–6: a MessageEvent of type `message`, or of the event
      // type buffer's value when it is not empty.
      this.target.dispatchEvent(new SourceMessageEvent(message.event ?? 'message', message.data, origin, pending[2 * index + 1] as string))
      return true
    })
  }

  queueTask(step: () => void): void {
    setTimeout(step, 0)
  }

  error(error: ConnectionError): void {
    this.target.dispatchEvent(this.errorEvent(error))
  }

  /** The `error` event to fire: the browser's carries no reason. */
  protected errorEvent(_error: ConnectionError): Event {
    return new Event('error')
  }
}

// Reacting to it queues a microtask behind those already queued.
const SETTLED = Promise.resolve()

/**
 * Calls `dispatch(0)` at once (unless `count` is 0), then `dispatch(1)` …
 * `dispatch(count - 1)`, each after the microtasks the previous call queued,
 * until one returns false (a listener closed the source).
 *
 * Returns `undefined` when that is all done at once (no event, one event, or
 * a close in the first listener): a sparse stream, one event per chunk, then
 * costs no promise at all. Otherwise returns a promise that resolves after the
 * last call or rejects with what a call threw; the first call's throw is the
 * caller's.
 *
 * Hot path: once per event. Each next call is a reaction to a settled
 * promise, one promise per chunk: not queueMicrotask(), whose async-context
 * wrapper Node allocates per call, and not an `await` per event in an async
 * function, whose resumption costs more per event (bench/README.md).
 */
export function dispatchEach(count: number, dispatch: (index: number) => boolean): Promise<void> | undefined {
  if (count === 0 || !dispatch(0) || count === 1) return undefined
  return new Promise<void>((resolve, reject) => {
    let index = 1
    const step = (): void => {
      try {
        if (dispatch(index) && ++index < count) return void SETTLED.then(step)
        resolve()
      } catch (error) {
        reject(error)
      }
    }
    void SETTLED.then(step)
  })
}
