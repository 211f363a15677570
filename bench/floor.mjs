// The floor: the least any fetch-based SSE client can do. One fetch, one
// reader, one streaming TextDecoder, eventsource-parser, and the parser's
// message handed straight to the callback: no event objects, no EventTarget,
// no reconnect logic. Every client in the benchmark pays at least this.
//
// Also bundled by bundle.mjs, so its size is the floor's bundle size.
import { createParser } from 'eventsource-parser'

const STREAM = { stream: true }

/**
 * Reads `url` as an event stream until it ends or `signal` aborts.
 *
 * @param {string} url
 * @param {(data: string) => void} onData
 * @param {AbortSignal} [signal]
 * @param {typeof fetch} [fetchImpl] - the transport (the `+node` floor passes nodeFetch)
 */
export async function floor(url, onData, signal, fetchImpl = fetch) {
  const parser = createParser({ onEvent: (message) => onData(message.data) })
  await readText(url, signal, (text) => parser.feed(text), fetchImpl)
}

/**
 * The floor's reading, shared with the reference clients (reference.mjs):
 * fetch `url` and hand each chunk of its body, decoded, to `onText`, until
 * the body ends or `signal` aborts.
 *
 * @param {string} url
 * @param {AbortSignal | undefined} signal
 * @param {(text: string) => void} onText
 * @param {typeof fetch} [fetchImpl]
 */
export async function readText(url, signal, onText, fetchImpl = fetch) {
  const response = await fetchImpl(url, { headers: { accept: 'text/event-stream' }, signal })
  if (response.status !== 200 || response.body === null) throw new Error(`status ${response.status}`)
  const decoder = new TextDecoder()
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    onText(decoder.decode(value, STREAM))
  }
}
