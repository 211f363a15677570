/**
 * Whether a `Content-Type` header value is `text/event-stream`.
 *
 * §9.2.3 fails the connection "if res's `Content-Type` is not
 * `text/event-stream`". Fetch compares MIME types by essence: type and subtype,
 * ASCII case-insensitive, parameters ignored (`text/event-stream;` and
 * `text/event-stream; charset=windows-1252` are accepted, as WPT
 * format-mime-trailing-semicolon and format-utf-8 expect). A missing header is
 * not an event stream.
 *
 * @see https://mimesniff.spec.whatwg.org/#mime-type-essence
 */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false
  // Fetch's "extract a MIME type" uses the last of several comma-joined values
  // (html #7630 keeps the question open; this is what Chromium does too).
  const lastValue = contentType.slice(contentType.lastIndexOf(',') + 1)
  const semicolon = lastValue.indexOf(';')
  const essence = (semicolon === -1 ? lastValue : lastValue.slice(0, semicolon)).trim()
  return essence.toLowerCase() === 'text/event-stream'
}
