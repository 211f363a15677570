/**
 * The body of a response that is not an event stream (a 401's JSON, a 502's
 * HTML page), read as text for the error that reports it: bounded in
 * characters and in time, so a hostile server cannot hold the error back or
 * fill memory, and decoded as UTF-8 with U+FFFD for invalid bytes, as the
 * event stream is.
 */
import { ignore } from './ignore.js'

/** The default `errorBodyLimit`: 64 Ki characters, far above any error message. */
export const DEFAULT_ERROR_BODY_LIMIT = 64 * 1024

/**
 * Up to `limit` characters of `response`'s body, or what arrived within
 * `timeout` ms; the rest is cancelled. `''` for no body or a limit of 0.
 */
export async function readErrorBody(response: Response, limit: number, timeout: number): Promise<string> {
  const body = response.body
  if (body === null || limit <= 0) {
    void body?.cancel().catch(ignore)
    return ''
  }
  const reader = body.getReader()
  // A server that sends headers and then trickles, or never ends: cancelling
  // ends the pending read as if the body had ended.
  const timer = setTimeout(() => void reader.cancel().catch(ignore), timeout)
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < limit) {
      const chunk = await reader.read()
      if (chunk.done) {
        text += decoder.decode()
        break
      }
      text += decoder.decode(chunk.value, { stream: true })
    }
  } catch {
    // The body broke (or the attempt was stopped): what arrived is the answer.
  } finally {
    clearTimeout(timer)
    void reader.cancel().catch(ignore)
  }
  if (text.length <= limit) return text
  // Never end inside a surrogate pair.
  const end = (text.charCodeAt(limit - 1) & 0xfc00) === 0xd800 ? limit - 1 : limit
  return text.slice(0, end)
}

