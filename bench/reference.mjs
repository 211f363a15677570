// Reference clients: the floor plus the least that each of this library's two
// surfaces has to add, so a run can show what the surface itself costs here.
//
// - `floorEvent`: the floor, plus what any `EventTarget`-based EventSource
//   must do per message: construct an `Event` that carries the data and
//   `dispatchEvent` it to one listener. Nothing else: no `origin` or
//   `lastEventId`, no event handler attribute, no microtask checkpoint between
//   the events of one chunk, no reconnect logic.
// - `floorIterator`: the floor, plus what any async-iterable client must do
//   per message: hand it out through `next()` to a `for await` loop. The
//   queue is unbounded (no back-pressure), there is no reconnect logic, no
//   event object beyond the data, and `return()` only stops the read loop.
//
// Each is a lower bound for its kind of client, not a client: they are in the
// table to show how far from the floor the interface alone puts any such
// client on this runtime (see bench/README.md, "Where the time goes").
import { createParser } from 'eventsource-parser'
import { readText } from './floor.mjs'

/** The least a `MessageEvent` can be: an `Event` with the data on it. */
class DataEvent extends Event {
  constructor(data) {
    super('message')
    this.data = data
  }
}

/**
 * The floor with one DOM event per message, dispatched to one listener.
 *
 * @param {string} url
 * @param {(data: string) => void} onData
 * @param {AbortSignal} [signal]
 */
export async function floorEvent(url, onData, signal, fetchImpl = fetch) {
  const target = new EventTarget()
  target.addEventListener('message', (event) => onData(event.data))
  const parser = createParser({ onEvent: (message) => target.dispatchEvent(new DataEvent(message.data)) })
  await readText(url, signal, (text) => parser.feed(text), fetchImpl)
}

/**
 * The floor with its messages handed out by an async iterator.
 *
 * @param {string} url
 * @param {AbortSignal} [signal]
 * @returns {AsyncIterableIterator<string>} the data of each message
 */
export function floorIterator(url, signal) {
  const queue = []
  let head = 0
  let waiting
  let ended = false
  let failure
  // return() stops the reading through this, as well as the caller's signal.
  const stop = new AbortController()

  // Answers the waiting next(), if there is something to answer it with.
  const wake = () => {
    if (waiting === undefined || (head === queue.length && !ended)) return
    const call = waiting
    waiting = undefined
    if (head < queue.length) call.resolve({ value: queue[head++], done: false })
    else if (failure !== undefined) call.reject(failure)
    else call.resolve({ value: undefined, done: true })
  }
  const parser = createParser({ onEvent: (message) => queue.push(message.data) })
  let started = false
  const start = () => {
    started = true
    readText(url, signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]), (text) => {
      // Nothing is waiting for what was queued before, so that can go.
      if (head === queue.length) {
        queue.length = 0
        head = 0
      }
      parser.feed(text)
      wake()
    }).then(
      () => {
        ended = true
        wake()
      },
      (error) => {
        failure = error
        ended = true
        wake()
      },
    )
  }

  return {
    next() {
      if (!started) start()
      if (head < queue.length) return Promise.resolve({ value: queue[head++], done: false })
      if (ended) return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure)
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject }
      })
    },
    return() {
      stop.abort()
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}
