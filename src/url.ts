/**
 * §9.2.2 constructor steps 3–4: "Let urlRecord be the result of
 * encoding-parsing a URL given url, relative to settings. If urlRecord is
 * failure, then throw a "SyntaxError" DOMException."
 *
 * Outside a document or worker there is no base URL, so only absolute URLs
 * parse. Where the runtime has a `location` (browsers, workers, Deno with
 * `--location`), relative URLs resolve against it.
 */
export function parseEventSourceUrl(url: string | URL): URL {
  // WebIDL converts the argument to a USVString: `String()` gives objects,
  // numbers, null and undefined their string form (WPT
  // eventsource-constructor-stringify), and a Symbol throws a TypeError.
  const input = String(url)
  try {
    return new URL(input, baseUrl())
  } catch {
    throw new DOMException(`Cannot open an EventSource to '${input}': invalid URL`, 'SyntaxError')
  }
}

function baseUrl(): string | undefined {
  // Deno throws on reading `location` when it was started without
  // `--location`; that means "no base URL", not an error of ours.
  try {
    const location = (globalThis as { location?: { href?: unknown } }).location
    return typeof location?.href === 'string' ? location.href : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a fetch to this URL can ever succeed, so a network error is worth a
 * reconnect. §9.2.3 lets the user agent fail instead of reestablishing "if the
 * user agent knows that to be futile"; Chromium fails non-HTTP(S) URLs
 * (`ftp:`, `mailto:`, `about:blank`, `javascript:`), as WPT
 * eventsource-constructor-non-same-origin expects.
 *
 * @param href - a serialized URL (`URL#href`)
 */
export function isFetchableScheme(href: string): boolean {
  // A serialized URL's scheme is lowercase and ends at the first colon.
  return href.startsWith('http:') || href.startsWith('https:')
}
