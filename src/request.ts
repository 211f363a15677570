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

/**
 * What an attempt fetches with when the user gave no `fetch` and no
 * `transport: 'fetch'`: the global fetch, unless the package's Node entry
 * (index.node.ts) put its Node transport here. An object, not a `let`, so
 * that entry can set it and this module stays free of Node imports.
 */
export const defaultTransport: { fetch: typeof fetch } = { fetch: globalFetch }

/**
 * What the `headers` and `body` functions are told about the request they
 * make: which one it is, the id it resumes from, and, when the attempt before
 * was refused, its status and response (a 401: refresh the token).
 */
export interface RequestContext {
  /** Which request of this source this is: 1 for the first, then one more for every reconnect. */
  attempt: number
  /** The `Last-Event-ID` this request sends (`''` for none). */
  lastEventId: string
  /** The status of the attempt before, when it got a response that was not an event stream. */
  status?: number
  /** That response (headers readable; its body was read into the error's `body`). */
  response?: Response
}

/**
 * A value, or a function giving it (sync or async), called before every
 * attempt with the {@link RequestContext}.
 */
export type Provider<T> = T | ((context: RequestContext) => T | Promise<T>)

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
 * The user's part of the request: method, headers and body, the providers
 * called before every attempt. The processing model asks it for each
 * attempt's `fetch` init; the lite class has none and sends the spec's
 * request alone ({@link streamRequest}).
 */
export class UserRequest {
  readonly method: string
  readonly headers: Provider<HeadersInit> | undefined
  readonly body: Provider<BodyInit | null> | undefined
  readonly withCredentials: boolean
  /** The URL the user gave, to tell when a reconnect goes to another origin. */
  readonly #url: string

  /**
   * Checks the parts of the request that are known at construction, so a
   * mistake throws there instead of turning into a reconnect loop.
   *
   * @throws TypeError for a header value with CR, LF or NUL, an invalid
   *   header name, or a body on a GET/HEAD request
   */
  constructor(url: string, method: string, headers: Provider<HeadersInit> | undefined, body: Provider<BodyInit | null> | undefined, withCredentials: boolean) {
    this.#url = url
    this.method = method
    this.headers = headers
    this.body = body
    this.withCredentials = withCredentials
    if (headers !== undefined && typeof headers !== 'function') checkHeaders(headers)
    const upper = method.toUpperCase()
    if ((upper === 'GET' || upper === 'HEAD') && body !== undefined && body !== null) {
      throw new TypeError(`A ${upper} request cannot have a body; pass method: 'POST' (or another method) with it`)
    }
  }

  /**
   * The `fetch` init of one attempt to `url` (the given URL, or the final URL
   * of an earlier redirect). Header and body providers are called here, once
   * per attempt.
   */
  async build(context: RequestContext, url: string): Promise<RequestInit> {
    const provided = this.headers
    const userHeaders = typeof provided === 'function' ? await provided(context) : provided
    if (typeof provided === 'function' && userHeaders !== undefined) checkHeaders(userHeaders)
    const headers = new Headers(userHeaders)
    for (const name of OWN_HEADERS) headers.delete(name)
    // A reconnect that goes to another origin than the one the user gave.
    if (url !== this.#url && new URL(url).origin !== new URL(this.#url).origin) {
      for (const name of CREDENTIAL_HEADERS) headers.delete(name)
    }
    const init: RequestInit & { duplex?: 'half' } = streamRequest(this.withCredentials, context.lastEventId, headers)
    init.method = this.method
    const body = typeof this.body === 'function' ? await this.body(context) : this.body
    if (body !== undefined && body !== null) {
      init.body = body
      // Fetch requires half-duplex for a streamed request body.
      if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) init.duplex = 'half'
    }
    return init
  }
}

/**
 * The request the spec makes for an `EventSource` (§9.2.2 steps 7–11), with
 * the stream's headers set over `headers`: every attempt of both classes.
 */
export function streamRequest(withCredentials: boolean, lastEventId: string, headers: Headers = new Headers()): RequestInit {
  return {
    headers: setStreamHeaders(headers, lastEventId),
    // Step 8: a potential-CORS request; step 7 picks the credentials mode.
    mode: 'cors',
    credentials: withCredentials ? 'include' : 'same-origin',
    // Step 11: "Set request's cache mode to "no-store"."
    cache: 'no-store',
  }
}

/**
 * Sets the headers the spec puts on every request of an `EventSource`, over
 * the user's: `Accept`, `Last-Event-ID` once there is one, and the cache
 * headers where the runtime's fetch does not add them (see IS_BROWSER).
 */
function setStreamHeaders(headers: Headers, lastEventId: string): Headers {
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

/**
 * Rejects a value that could split or smuggle a header (the `lastEventId` option).
 *
 * @throws TypeError for CR, LF or NUL
 */
export function assertHeaderSafe(what: string, value: string): void {
  if (/[\r\n\0]/.test(value)) {
    throw new TypeError(`The ${what} contains CR, LF or NUL, which cannot be sent in an HTTP header`)
  }
}

// workerd's Headers take any string, and its fetch sends the value as UTF-8:
// there the byte string below would go out encoded twice.
const HEADERS_TAKE_UTF8 = !(() => {
  try {
    new Headers({ a: '\u20ac' })
  } catch {
    return true
  }
})()

/**
 * `Headers` values are ByteStrings, but §9.2.3 sends the last event ID
 * "encoded as UTF-8". Each UTF-8 byte becomes one character U+0000–U+00FF,
 * which fetch puts on the wire as that byte.
 */
function toByteString(value: string): string {
  if (HEADERS_TAKE_UTF8) return value
  const bytes = new TextEncoder().encode(value)
  let result = ''
  for (const byte of bytes) result += String.fromCharCode(byte)
  return result
}
