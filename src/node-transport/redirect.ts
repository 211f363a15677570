/// <reference types="node" />
/**
 * Fetch's "HTTP-redirect fetch" (https://fetch.spec.whatwg.org/#http-redirect-fetch)
 * for `redirect: 'follow'`, as undici implements it: what the next request
 * is, or why there is none.
 */

/** Fetch "redirect status". */
export const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308])

/** Fetch "request-body-header name": dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type']

// Dropped when a redirect crosses origins. Fetch step 13 names only
// `Authorization` (a CORS non-wildcard request-header name); undici also
// drops `Proxy-Authorization` (authentication entries), and `Cookie` and
// `Host`, which are forbidden request headers in browsers but not in undici.
const CROSS_ORIGIN_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host']

/** Fetch's own limit: "If request's redirect count is 20, return a network error." */
export const MAX_REDIRECTS = 20

export interface RedirectState {
  url: URL
  method: string
  headers: Headers
  /** Whether the request still has a body to send. */
  hasBody: boolean
  /** The body is a stream, which cannot be sent again. */
  streamBody: boolean
  redirects: number
}

/**
 * The request after a redirect response, or an Error for a network error.
 * Mutates and returns `state`. `location` is the response's `Location`,
 * already known to be present.
 */
export function followRedirect(state: RedirectState, status: number, location: string): RedirectState | Error {
  let next: URL
  try {
    // Fetch: "location URL ... parsed with request's current URL"; a fragment-less
    // location keeps the current URL's fragment.
    next = new URL(location, state.url)
    if (next.hash === '' && state.url.hash !== '' && !location.includes('#')) next.hash = state.url.hash
  } catch {
    return new TypeError(`invalid redirect location ${JSON.stringify(location)}`)
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return new TypeError('URL scheme must be a HTTP(S) scheme')
  if (state.redirects === MAX_REDIRECTS) return new TypeError('redirect count exceeded')
  // Step 11: a stream body cannot be replayed for a 307/308.
  if (status !== 303 && state.hasBody && state.streamBody) return new TypeError('Cannot follow redirect with a streamed body')
  // Step 12: 301/302 turn a POST into a GET; 303 turns anything but GET/HEAD into a GET.
  if (((status === 301 || status === 302) && state.method === 'POST') || (status === 303 && state.method !== 'GET' && state.method !== 'HEAD')) {
    state.method = 'GET'
    state.hasBody = false
    for (const name of BODY_HEADERS) state.headers.delete(name)
  }
  if (next.origin !== state.url.origin) for (const name of CROSS_ORIGIN_HEADERS) state.headers.delete(name)
  state.url = next
  state.redirects++
  return state
}
