/**
 * The request of every attempt: the spec's fixed parts (§9.2.2 steps 8–11,
 * §9.2.3 reestablish step 5.3) plus the user's method, headers and body,
 * which may be functions re-evaluated before each attempt (a token refreshed
 * between reconnects, a body re-created for a re-send).
 */

/**
 * The global `fetch`, looked up at each call so one patched later (msw,
 * tests) applies; one function shared by every source.
 */
export const globalFetch: typeof fetch = (input, init) => globalThis.fetch(input, init)

/** A value, or a function giving it (sync or async), called before every attempt. */
export type Provider<T> = T | (() => T | Promise<T>)

/** The user's part of the request. */
export interface RequestOptions {
  method: string
  headers: Provider<HeadersInit> | undefined
  body: Provider<BodyInit | null> | undefined
  withCredentials: boolean
}

// Cache mode "no-store" makes Fetch add `Cache-Control: no-cache` and
// `Pragma: no-cache` ("HTTP-network-or-cache fetch"), and WPT
// request-cache-control checks for them. Node's undici adds them; Deno and
// Bun ignore the cache mode, so outside browsers they are set here. Not in
// browsers: Chromium 147's fetch does not add them, but set from script they
// are author headers, and a same-origin request redirected to another origin
// would then need a CORS preflight that the browser's EventSource never makes.
const IS_BROWSER = 'document' in globalThis || 'WorkerGlobalScope' in globalThis

// Headers that carry credentials. Fetch drops `Authorization` when a
// redirect crosses origins; a reconnect goes straight to the final URL, so
// these are dropped there too when its origin is not the one the user gave.
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization']

// Header names the library owns: the spec sets `Accept`, and `Last-Event-ID`
// follows the stream (use the `lastEventId` option to seed it).
const OWN_HEADERS = ['accept', 'last-event-id']

/**
 * Checks the parts of the request that are known at construction, so a
 * mistake throws there instead of turning into a reconnect loop.
 *
 * @throws TypeError for a header value or last event ID with CR, LF or NUL,
 *   an invalid header name, or a body on a GET/HEAD request
 */
export function validateRequestOptions(options: RequestOptions, lastEventId: string): void {
  assertHeaderSafe('lastEventId', lastEventId)
  if (options.headers !== undefined && typeof options.headers !== 'function') {
    checkHeaders(options.headers)
  }
  const method = options.method.toUpperCase()
  if ((method === 'GET' || method === 'HEAD') && options.body !== undefined && options.body !== null) {
    throw new TypeError(`A ${method} request cannot have a body; pass method: 'POST' (or another method) with it`)
  }
}

/**
 * Builds the `fetch` init of one attempt. Header and body providers are called
 * here, once per attempt. `crossOrigin`: the attempt goes to another origin
 * than the URL the user gave (a reconnect after a redirect).
 */
export async function buildRequestInit(
  options: RequestOptions,
  lastEventId: string,
  signal: AbortSignal | undefined,
  crossOrigin: boolean,
): Promise<RequestInit> {
  const userHeaders = typeof options.headers === 'function' ? await options.headers() : options.headers
  if (typeof options.headers === 'function' && userHeaders !== undefined) checkHeaders(userHeaders)
  const headers = new Headers(userHeaders)
  for (const name of OWN_HEADERS) headers.delete(name)
  if (crossOrigin) for (const name of CREDENTIAL_HEADERS) headers.delete(name)
  setStreamHeaders(headers, lastEventId)

  const body = typeof options.body === 'function' ? await options.body() : options.body
  const init: RequestInit & { duplex?: 'half' } = {
    method: options.method,
    headers,
    // Step 8: a potential-CORS request; step 7 picks the credentials mode.
    mode: 'cors',
    credentials: options.withCredentials ? 'include' : 'same-origin',
    // Step 11: "Set request's cache mode to "no-store"."
    cache: 'no-store',
    redirect: 'follow',
    signal,
  }
  if (body !== undefined && body !== null) {
    init.body = body
    // Fetch requires half-duplex for a streamed request body.
    if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) init.duplex = 'half'
  }
  return init
}

/**
 * Sets the headers the spec puts on every request of an `EventSource`, over
 * the user's: `Accept`, `Last-Event-ID` once there is one, and the cache
 * headers where the runtime's fetch does not add them (see IS_BROWSER).
 * Shared with `eventsource-plus/lite`, which has no user headers.
 */
export function setStreamHeaders(headers: Headers, lastEventId: string): Headers {
  // §9.2.2 step 10: "User agents may set (`Accept`, `text/event-stream`)".
  headers.set('Accept', 'text/event-stream')
  // Reestablish step 5.3: "If the EventSource object's last event ID string
  // is not the empty string, then set (`Last-Event-ID`, lastEventIDValue)",
  // the value "encoded as UTF-8".
  if (lastEventId !== '') headers.set('Last-Event-ID', toByteString(lastEventId))
  if (!IS_BROWSER) {
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-cache')
    if (!headers.has('Pragma')) headers.set('Pragma', 'no-cache')
  }
  return headers
}

/** Rejects header values that could split or smuggle a header. */
function checkHeaders(init: HeadersInit): void {
  const entries: Iterable<readonly [string, string]> =
    init instanceof Headers
      ? init.entries()
      : Array.isArray(init)
        ? (init as ReadonlyArray<readonly [string, string]>)
        : Object.entries(init as Record<string, string>)
  for (const entry of entries) {
    if (entry.length !== 2) throw new TypeError('Each header must be a [name, value] pair')
    assertHeaderSafe(`header ${String(entry[0])}`, String(entry[1]))
  }
  // The Headers constructor checks names and the rest of the value grammar.
  new Headers(init)
}

function assertHeaderSafe(what: string, value: string): void {
  if (/[\r\n\0]/.test(value)) {
    throw new TypeError(`The ${what} contains CR, LF or NUL, which cannot be sent in an HTTP header`)
  }
}

/**
 * `Headers` values are ByteStrings, but §9.2.3 sends the last event ID
 * "encoded as UTF-8". Each UTF-8 byte becomes one character U+0000–U+00FF,
 * which fetch puts on the wire as that byte.
 */
function toByteString(value: string): string {
  const bytes = new TextEncoder().encode(value)
  let result = ''
  for (const byte of bytes) result += String.fromCharCode(byte)
  return result
}
