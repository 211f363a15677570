import type { IncomingMessage } from 'node:http'

// Upstream's reconnect-fail.py and status-reconnect.py remember where a test is in its sequence
// with a cookie. A browser sends that cookie back; Node's fetch has no cookie jar, so it never does.
// Every value is therefore kept twice: in the cookie (for browsers) and on the server keyed by the
// same cookie name, which already carries the test's `id` (for clients without a jar). A cookie
// that *is* sent wins, so a browser sees exactly upstream's behaviour; the server copy is always
// written alongside it, so the two never disagree.

export function requestCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
  return cookies
}

export class CookieState {
  readonly #values = new Map<string, string>()

  read(req: IncomingMessage, name: string): string | undefined {
    return requestCookies(req).get(name) ?? this.#values.get(name)
  }

  /** Stores `value` and returns the Set-Cookie header that stores it in a browser too. */
  write(name: string, value: string): [string, string] {
    this.#values.set(name, value)
    return ['Set-Cookie', `${name}=${value}; Path=/`]
  }

  /** Forgets `name` and returns the Set-Cookie header that deletes it from a browser too. */
  clear(name: string): [string, string] {
    this.#values.delete(name)
    return ['Set-Cookie', `${name}=; Path=/; Max-Age=0`]
  }
}
