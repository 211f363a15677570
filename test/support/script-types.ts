// The wire format shared by the scriptable SSE server (Node only) and the
// client-side helpers (any runtime, including a browser page). It lives in its
// own file with no imports so both sides can use it without pulling in
// `node:http` on the client or DOM types on the server.

/** One piece of a response body, written in order. */
export type Chunk =
  /** Written as its UTF-8 bytes in one `res.write` call. */
  | string
  /** Written as raw bytes (hex digits, whitespace ignored) in one `res.write`
   *  call — for BOMs, invalid UTF-8 and code points split across writes. */
  | { hex: string }
  /** Pause the body this many milliseconds, so the bytes before and after it
   *  reach the client in separate reads. */
  | { delay: number }
  /** Pause the body until a test calls `signal(origin, key, name)`: lets a test
   *  decide exactly when the next bytes are sent, without guessing delays. */
  | { await: string }
  /** Write `text` (UTF-8) `times` times, one `res.write` each, waiting for
   *  `drain` whenever the socket's buffer is full — so how far the server got
   *  (`bytesWritten` in the log) shows how fast the client actually reads. */
  | { repeat: string; times: number }

/** What the server does with one request (one connection attempt). */
export interface Attempt {
  /** Default 200. */
  status?: number
  /** Replaces the default headers (`Content-Type: text/event-stream`) entirely,
   *  so a script can send a wrong or missing Content-Type. CORS headers are
   *  still added unless `cors` is false. */
  headers?: Record<string, string>
  chunks?: Chunk[]
  /** After the chunks: `close` ends the body cleanly (default), `destroy`
   *  resets the TCP connection mid-body (50 ms after the last chunk left the
   *  server: Chromium drops body bytes still in flight when it learns of a
   *  reset), `hang` keeps it open until the client goes away or the server
   *  stops. */
  end?: 'close' | 'destroy' | 'hang'
  /** Destroy the socket before any status line is written: the client sees a
   *  network error, not a response. Everything else is ignored. */
  destroyBeforeHeaders?: boolean
  /** With `destroyBeforeHeaders`: the next `resends` requests for this key are
   *  taken as the runtime's own fetch sending the same request again (Deno's
   *  does so once when a fresh connection closes before any response). They
   *  are destroyed the same way, logged with `resend: true`, and use up no
   *  attempt, so the client still sees one network error per attempt.
   *  `scriptUrl` fills it in for the runtime it runs on; set it only to
   *  override that. Default 0. */
  resends?: number
  /** Wait this many ms (or until the client goes away) before writing the
   *  status line: a server that accepted the connection but is slow to answer,
   *  for timeouts that must cover the wait for headers. */
  delayHeaders?: number
  /** Set false to send no automatic CORS headers (for cross-origin failure
   *  cases in a browser). Default true. */
  cors?: boolean
}

/**
 * A script is the list of per-attempt responses for one key: request n (0-based,
 * counting every non-OPTIONS request to that key on either origin) gets
 * `attempts[n]`; past the end it gets `then`, or else the last attempt again.
 */
export type Script = Attempt[] | { attempts: Attempt[]; then?: Attempt }

/** One request as the server saw it, served as JSON from `/log/<key>`. */
export interface LoggedRequest {
  /** Index among this key's non-OPTIONS requests; null for preflights. */
  attempt: number | null
  method: string
  /** Path and query as sent (`req.url`). */
  url: string
  /** Which listener received it: `primary` or `cross` (the second origin). */
  server: 'primary' | 'cross'
  /** Header names exactly as sent, each with its value's raw bytes in base64
   *  (Node decodes header bytes as latin1, which maps bytes 1:1, so no byte is
   *  lost — this is how a test sees the UTF-8 bytes of `Last-Event-ID`). */
  rawHeaders: Array<[string, string]>
  /** Request body as base64 (empty for GET). */
  bodyBase64: string
  /** Server clock (ms, `performance.now()` of the server process) when the
   *  request arrived. Only differences between entries are meaningful. */
  receivedAt: number
  /** Server clock when the connection closed, or null while it is open. */
  closedAt: number | null
  /** True when the connection went away before the server finished the
   *  response — e.g. the client aborted its fetch on `close()`. */
  closedByClient: boolean
  /** Body bytes handed to the socket so far (every chunk kind that writes).
   *  Optional so logs from older servers still type-check. */
  bytesWritten?: number
  /** True for a request the runtime's fetch resent by itself after the
   *  server destroyed the socket of a `destroyBeforeHeaders` attempt (see
   *  `Attempt.resends`); `attempt` is that attempt's index. `attempts()` and
   *  the `/log` wait conditions leave these out. */
  resend?: boolean
}

export interface RequestLog {
  requests: LoggedRequest[]
}
