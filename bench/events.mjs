// The events the server sends, shared with the workers (to check what arrived).
import { Buffer } from 'node:buffer'

/** One small event: ~128 bytes of LLM-style JSON, `data: …\n\n`. */
export function smallEvent() {
  const json = JSON.stringify({
    id: 'chatcmpl-9x3Kb2',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content: ' token' } }],
  })
  // Pad the content so the whole event is exactly 128 bytes.
  const pad = 128 - Buffer.byteLength(`data: ${json}\n\n`)
  const padded = json.replace(' token', ' token' + 'x'.repeat(Math.max(0, pad)))
  return `data: ${padded}\n\n`
}

/** One large event: a single 64 KiB `data:` line. */
export function largeEvent() {
  const size = 64 * 1024
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  let data = ''
  while (data.length < size) data += alphabet
  return `data: ${data.slice(0, size)}\n\n`
}

export const SMALL = smallEvent()
export const LARGE = largeEvent()
