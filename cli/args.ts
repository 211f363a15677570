/**
 * Command-line arguments → a plain options object. No I/O here except what
 * `-d @file` needs, which the caller does, so parsing is testable on its own.
 */
import { parseArgs } from 'node:util'

/** What the command line asked for. */
export interface CliOptions {
  url: string
  headers: Array<[string, string]>
  method: string | undefined
  /** `-d` as given: text, `@file`, or `@-` for stdin. */
  data: string | undefined
  lastEventId: string | undefined
  /** Only these event types are printed (all when empty). */
  events: string[]
  maxEvents: number | undefined
  /** Overall time limit, in ms. */
  timeout: number | undefined
  inactivityTimeout: number | undefined
  reconnect: boolean
  retryLimit: number | undefined
  /** Retries of a network error before any response (0: exit at once, as curl). */
  retry: number
  json: boolean
  /** Request and response lines and headers, comments, `retry:` lines and each reconnect's Last-Event-ID, on stderr. */
  verbose: boolean
  /** Re-indent JSON data (values kept verbatim); off by default. */
  pretty: boolean
  help: boolean
  version: boolean
}

/** A mistake on the command line; the message is shown with a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Parses `argv` (without the node and script paths).
 *
 * @throws UsageError for unknown options, a missing URL, or bad values
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const { values, positionals } = parsed
  const help = values.help === true
  const version = values.version === true
  if (positionals.length > 1) throw new UsageError(`expected one URL, got ${positionals.length}: ${positionals.join(' ')}`)
  const url = positionals[0]
  if (url === undefined && !help && !version) throw new UsageError('missing the URL to connect to')

  const headers = (values.header ?? []).map(parseHeader)
  let lastEventId = values['last-event-id']
  // The client owns these two (WHATWG HTML §9.2.2 sets Accept; the connection
  // sets Last-Event-ID on each reconnect), so a -H copy would be dropped.
  // Map the one that has an option, refuse the other, never drop in silence.
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (lower === 'accept') throw new UsageError(`-H '${name}: ${value}': the client always sends Accept: text/event-stream; it cannot be changed`)
    if (lower === 'last-event-id') {
      if (lastEventId !== undefined && lastEventId !== value)
        throw new UsageError(`-H '${name}: ${value}' and --last-event-id '${lastEventId}' disagree; give one`)
      lastEventId = value
    }
  }

  return {
    url: url ?? '',
    headers: headers.filter(([name]) => name.toLowerCase() !== 'last-event-id'),
    method: values.method?.toUpperCase(),
    data: values.data,
    lastEventId,
    events: values.event ?? [],
    maxEvents: values['max-events'] === undefined ? undefined : positiveInteger('--max-events', values['max-events']),
    timeout: values.timeout === undefined ? undefined : parseDuration('--timeout', values.timeout),
    inactivityTimeout:
      values['inactivity-timeout'] === undefined ? undefined : parseDuration('--inactivity-timeout', values['inactivity-timeout']),
    reconnect: values['no-reconnect'] !== true,
    retryLimit: values['retry-limit'] === undefined ? undefined : positiveInteger('--retry-limit', values['retry-limit']),
    retry: values.retry === undefined ? 0 : positiveInteger('--retry', values.retry),
    json: values.json === true,
    verbose: values.verbose === true,
    pretty: values.pretty === true,
    help,
    version,
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      header: { type: 'string', short: 'H', multiple: true },
      method: { type: 'string', short: 'X' },
      data: { type: 'string', short: 'd' },
      'last-event-id': { type: 'string' },
      event: { type: 'string', multiple: true },
      'max-events': { type: 'string', short: 'n' },
      timeout: { type: 'string' },
      'inactivity-timeout': { type: 'string' },
      'no-reconnect': { type: 'boolean' },
      'retry-limit': { type: 'string' },
      retry: { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      pretty: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  })
}

/** `Name: value`, as curl takes it. */
function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':')
  if (colon <= 0) throw new UsageError(`a header must look like 'Name: value', got '${text}'`)
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()]
}

function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new UsageError(`${flag} takes a whole number above 0, got '${text}'`)
  return Number(text)
}

/**
 * A duration: `500ms`, `30s`, `2m`, or a bare number of seconds (as curl's
 * `--max-time`). Returns milliseconds.
 */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (match === null) throw new UsageError(`${flag} takes a duration like 500ms, 30s or 2m, got '${text}'`)
  const amount = Number(match[1])
  if (amount === 0) throw new UsageError(`${flag} must be above 0, got '${text}'`)
  const unit = match[2] ?? 's'
  return Math.round(unit === 'ms' ? amount : unit === 's' ? amount * 1000 : amount * 60_000)
}

/** The text of `--help`. */
export const HELP = `Usage: eventsource-kit [options] <url>

Connects to a Server-Sent Events stream and prints its events as they arrive.
Reconnects and resumes with Last-Event-ID like a browser's EventSource.
Events go to stdout; status lines (connecting, open, reconnecting) go to stderr.
Data is printed exactly as received (no reformatting) unless --pretty is given.
Colour only on a terminal; NO_COLOR turns it off, FORCE_COLOR turns it on.

Options:
  -H, --header 'Name: value'   add a request header (repeatable).
                               -H 'Last-Event-ID: X' is --last-event-id X;
                               -H 'Accept: ...' is refused (the client sends
                               Accept: text/event-stream)
  -X, --method METHOD          request method (default GET; POST when -d is given)
  -d, --data TEXT|@FILE|@-     request body: text, a file, or stdin. A body
                               that parses as JSON is sent with Content-Type:
                               application/json unless -H gives one
      --last-event-id ID       resume from this id (sent as Last-Event-ID)
      --event TYPE             print only events of this type (repeatable)
  -n, --max-events N           exit 0 after N printed events
      --timeout DURATION       give up after this long (500ms, 30s, 2m), exit 124
      --inactivity-timeout D   reconnect when no byte arrives for this long
                               (comments count; waiting for the response
                               headers too)
      --no-reconnect           do not reconnect; a clean end of stream exits 0
      --retry-limit N          give up (exit 6) after N failed attempts in a row;
                               every failed attempt counts (refused, broken
                               stream, --inactivity-timeout), until an event
                               arrives. (The library's retry.limit counts only
                               attempts that never opened.)
      --retry N                retry a network error before any response
                               (or no response within --inactivity-timeout)
                               N times (default 0: exit 3 at once, as curl)
      --json                   one JSON object per event per line (for jq);
                               data is the exact string received
      --pretty                 indent JSON data for reading; numbers and
                               strings are copied verbatim, never rounded
  -v, --verbose                on stderr: the request line and headers sent
                               (> ...), the status line and headers received
                               (< ...), comments and retry: lines as they
                               arrive (* comment: ..., * retry: N), and each
                               reconnect's Last-Event-ID; stdout is unchanged
  -h, --help                   show this help
  -V, --version                show the version

Exit codes:
  0    --max-events reached, the server answered 204 (stop), or the stream
       ended cleanly and is not reconnected (--no-reconnect, or a request
       with a body: a POST stream that ends is finished, never re-sent)
  1    the stream failed after it opened and is not reconnected
       (--no-reconnect, or a request with a body that broke before the
       stream gave an id: it is never re-sent without one)
  2    bad command line (also -H 'Accept: ...')
  3    network error before any response: refused, DNS failure, reset, or
       no response within --inactivity-timeout (unless --retry allows more)
  4    the server answered an HTTP error status (status line, WWW-Authenticate,
       Retry-After and the body's first lines go to stderr)
  5    the server answered 200 with a content type other than text/event-stream
  6    gave up: --retry-limit reached, or --retry used up
  124  --timeout reached
  130  interrupted (Ctrl-C)

Reconnects wait the reconnection time (3 s, or the server's retry:),
doubled for each further failed attempt since the last printed event (a
silent stream cut by --inactivity-timeout counts), up to 30 s (a longer
retry: still wins), plus up to 20 % jitter.

Examples:
  eventsource-kit https://example.com/events
  eventsource-kit --json -n 10 https://example.com/events | jq .data
  eventsource-kit -H "Authorization: Bearer $TOKEN" -d '{"prompt":"hi"}' \\
      https://api.example.com/v1/stream
  echo '{"prompt":"hi"}' | eventsource-kit -d @- https://api.example.com/v1/stream
  eventsource-kit --last-event-id 42 --event update https://example.com/feed
`
