#!/usr/bin/env node
/**
 * `eventsource-kit <url>`: connect, print events, reconnect and resume like
 * the library does. Events go to stdout; status lines go to stderr so stdout
 * stays clean for pipes.
 */
import { readFile } from 'node:fs/promises'
import { createParser, type ParseError } from 'eventsource-parser'
import {
  DEFAULT_MAX_BUFFER_SIZE,
  EventSource,
  type EventSourceErrorEvent,
  type EventSourceInit,
  type RetryContext,
} from 'eventsource-kit'
import { nodeFetch } from 'eventsource-kit/node-transport'
import { HELP, parseCliArgs, UsageError, type CliOptions } from './args.js'
import { formatJson, formatReadable, paint, useColor } from './format.js'

/** Exit codes, as `--help` lists them. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** A network error before any response (refused, DNS, reset, no headers in time), as curl exits at once (its 6/7). */
  network: 3,
  status: 4,
  contentType: 5,
  /** --retry-limit reached, or --retry's network retries used up. */
  gaveUp: 6,
  timeout: 124,
  interrupted: 130,
} as const

/** What the retry policy and the error listener share across attempts. */
interface RunState {
  /** A connection opened at least once: later network errors are reconnects, not "no server". */
  opened: boolean
  /** Failed attempts since the last event printed, timeouts and broken streams included. */
  failures: number
  /** Network errors before any response that were retried (--retry). */
  networkRetries: number
  /** The CLI's own policy said stop (a limit), not the library. */
  gaveUp: boolean
  /** The source's reconnection time (`retry:`, or the default), once there is a source. */
  reconnectionTime: () => number
}

/**
 * The CLI's backoff. The library's `backoff` grows only across attempts that
 * never opened, so a stream that opens and goes silent, again and again,
 * would be retried at the same pace forever; the CLI grows the wait per
 * failed attempt since the last event instead (see backoffDelay).
 */
const BACKOFF = { factor: 2, maxDelay: 30_000, jitter: 0.2 } as const

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions
  try {
    options = parseCliArgs(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`eventsource-kit: ${error.message}\nTry 'eventsource-kit --help'.\n`)
    return EXIT.usage
  }
  if (options.help) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  if (options.version) {
    process.stdout.write(`${await version()}\n`)
    return EXIT.ok
  }

  let init: EventSourceInit
  const state: RunState = { opened: false, failures: 0, networkRetries: 0, gaveUp: false, reconnectionTime: () => 0 }
  try {
    init = await toInit(options, state)
  } catch (error) {
    process.stderr.write(`eventsource-kit: ${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.usage
  }
  return run(options, init, state)
}

/** Maps the command line onto the library's options. */
async function toInit(options: CliOptions, state: RunState): Promise<EventSourceInit> {
  const body = options.data === undefined ? undefined : await readData(options.data)
  const method = options.method ?? (body === undefined ? 'GET' : 'POST')
  const headers = [...options.headers]
  // curl --json's choice: a JSON body with no type given is labelled as JSON,
  // so `-d '{"prompt":"hi"}'` is not sent as text/plain.
  if (body !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type') && isJson(body))
    headers.push(['Content-Type', 'application/json'])
  const init: EventSourceInit = {
    method,
    headers,
    retry: options.reconnect
      ? {
          // Unlike a browser (fixed delay), a CLI left running must not hammer
          // a server: exponential backoff, capped, with jitter, which decide()
          // computes; the library's cap still bounds a Retry-After.
          maxDelay: BACKOFF.maxDelay,
          shouldRetry: (context) => decide(context, options, method, state),
        }
      : false,
  }
  if (options.verbose) init.fetch = verboseFetch
  // The body is read once and re-sent as is on a reconnect that resumes.
  if (body !== undefined) init.body = body
  if (options.lastEventId !== undefined) init.lastEventId = options.lastEventId
  if (options.inactivityTimeout !== undefined) init.inactivityTimeout = options.inactivityTimeout
  return init
}

/** `fetch` that shows, like `curl -v`, what is sent and what came back. */
async function verboseFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init)
  const url = new URL(request.url)
  const lines = [`> ${request.method} ${url.pathname}${url.search} HTTP/1.1`, `> host: ${url.host}`]
  request.headers.forEach((value, name) => lines.push(`> ${name}: ${value}`))
  process.stderr.write(`${lines.join('\n')}\n`)
  // The transport the CLI uses without -v too (Node's own HTTP stack, the
  // package's default on Node), so -v shows the same exchange.
  const response = await nodeFetch(input instanceof URL ? input.href : input, init)
  const received = [`< HTTP ${response.status} ${response.statusText}`.trimEnd()]
  response.headers.forEach((value, name) => received.push(`< ${name}: ${value}`))
  process.stderr.write(`${received.join('\n')}\n`)
  return isEventStream(response) && response.body !== null ? withBodyWatched(response, response.body) : response
}

/**
 * The responses the library reads as a stream: any other body is an error's
 * (HTML, JSON), whose `:` lines are not comments.
 */
function isEventStream(response: Response): boolean {
  const type = response.headers.get('content-type') ?? ''
  return response.status === 200 && type.split(';')[0]?.trim().toLowerCase() === 'text/event-stream'
}

/**
 * The same response, its body passed through a second parser that shows
 * comments and `retry:` lines on stderr (the library's parser keeps them to
 * itself). A pull-through stream rather than `tee()`: a chunk is read from the
 * network only when the library asks for one and is shown on its way past, so
 * nothing is buffered for a slower branch and cancelling reaches the network.
 */
function withBodyWatched(response: Response, body: ReadableStream<Uint8Array>): Response {
  const reader = body.getReader()
  const watch = bodyWatcher()
  const watched = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A rejected read (a reset, the library's abort) errors this stream
        // with the same reason, so the library sees what it would have seen.
        const chunk = await reader.read()
        if (chunk.done) return controller.close()
        watch(chunk.value)
        controller.enqueue(chunk.value)
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // Pull one chunk only when the library reads: no read-ahead.
    { highWaterMark: 0 },
  )
  const copy = new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers })
  // A constructed Response has no URL; the library takes a redirect's final
  // URL from it (for reconnects and the events' origin), so keep the real one.
  Object.defineProperty(copy, 'url', { value: response.url })
  return copy
}

/** Decodes body chunks and writes `* comment: …` and `* retry: N` lines to stderr as they arrive. */
function bodyWatcher(): (bytes: Uint8Array) => void {
  const decoder = new TextDecoder()
  let stopped = false
  const parser = createParser({
    // The library's own bound: past it the library drops the stream, and this
    // copy must not hold more than it does.
    maxBufferSize: DEFAULT_MAX_BUFFER_SIZE,
    onComment: (comment) => process.stderr.write(`* comment: ${comment}\n`),
    onRetry: (retry) => process.stderr.write(`* retry: ${retry}\n`),
    onError: (error: ParseError) => {
      if (error.type === 'invalid-retry') process.stderr.write(`* retry: ${JSON.stringify(error.value ?? '')} ignored (not a whole number)\n`)
      if (error.type === 'max-buffer-size-exceeded') stopped = true
    },
  })
  return (bytes) => {
    if (!stopped) parser.feed(decoder.decode(bytes, { stream: true }))
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * The CLI's retry policy on top of the library's: the library's `limit` and
 * `backoff` count only attempts that never opened, so a silent stream cut by
 * --inactivity-timeout would reconnect forever at the same pace; here every
 * failed attempt counts, for the limit and the wait, until an event arrives.
 * Returns the wait in ms, or false to stop.
 */
function decide(context: RetryContext, options: CliOptions, method: string, state: RunState): number | false {
  if (!context.willRetry) return false
  // A POST stream (an LLM answer) that ends cleanly is finished: exit
  // instead of re-sending it. Broken streams still resume by id.
  if (method !== 'GET' && isCleanEnd(context)) return false
  state.failures++
  if (!state.opened && context.status === undefined && context.error !== undefined) {
    // curl exits at once when there is no server; --retry N allows N more tries.
    if (state.networkRetries >= options.retry) {
      if (options.retry > 0) state.gaveUp = true
      return false
    }
    state.networkRetries++
  }
  if (options.retryLimit !== undefined && state.failures >= options.retryLimit) {
    state.gaveUp = true
    return false
  }
  if (options.verbose) process.stderr.write(`* reconnect will send Last-Event-ID: ${context.lastEventId === '' ? '(none)' : context.lastEventId}\n`)
  return backoffDelay(state.reconnectionTime(), state.failures, context.delay)
}

/**
 * The wait before the next attempt after `failures` failed ones in a row: the
 * reconnection time doubled per failure after the first, capped (a server's
 * longer `retry:` still wins), never shorter than the library's own wait (a
 * `Retry-After`), plus up to 20 % jitter so many clients do not come back in step.
 */
function backoffDelay(reconnectionTime: number, failures: number, libraryDelay: number): number {
  const grown = Math.min(reconnectionTime * BACKOFF.factor ** Math.max(0, failures - 1), BACKOFF.maxDelay)
  const delay = Math.max(reconnectionTime, grown, libraryDelay)
  return Math.round(delay + delay * BACKOFF.jitter * Math.random())
}

/** The server ended the stream: no status to blame, no exception. */
function isCleanEnd(context: RetryContext): boolean {
  return context.status === undefined && context.error === undefined
}

/** `-d` as curl reads it: text, `@file`, or `@-` for all of stdin. */
async function readData(data: string): Promise<string> {
  if (!data.startsWith('@')) return data
  const path = data.slice(1)
  if (path === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  return readFile(path, 'utf8')
}

/** Connects and prints until a stop condition; resolves with the exit code. */
function run(options: CliOptions, init: EventSourceInit, state: RunState): Promise<number> {
  const color = useColor(process.stderr.isTTY)
  const outColor = !options.json && useColor(process.stdout.isTTY)
  const status = (style: 'dim' | 'green' | 'yellow' | 'red', text: string): void => {
    process.stderr.write(`${paint(color, style, text)}\n`)
  }
  const wanted = new Set(options.events)
  let printed = 0

  return new Promise<number>((resolve) => {
    let source: EventSource
    try {
      source = new EventSource(options.url, init)
    } catch (error) {
      status('red', `eventsource-kit: ${error instanceof Error ? error.message : String(error)}`)
      resolve(EXIT.usage)
      return
    }
    status('dim', `* connecting to ${source.url}`)
    state.reconnectionTime = () => source.reconnectionTime

    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (code: number): void => {
      clearTimeout(timer)
      source.close()
      resolve(code)
    }
    // `eventsource-kit URL | head -1`: the reader went away, which is a
    // normal way to stop, not a crash.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') finish(EXIT.ok)
      else throw error
    })
    process.once('SIGINT', () => finish(EXIT.interrupted))
    if (options.timeout !== undefined) {
      const limit = options.timeout
      timer = setTimeout(() => {
        status('red', `eventsource-kit: timed out after ${limit} ms`)
        finish(EXIT.timeout)
      }, limit)
    }

    const print = (event: MessageEvent<string>): void => {
      if (wanted.size > 0 && !wanted.has(event.type)) return
      const printedEvent = { type: event.type, data: event.data, lastEventId: event.lastEventId }
      process.stdout.write(options.json ? formatJson(printedEvent) : formatReadable(printedEvent, outColor, options.pretty))
      printed++
      state.failures = 0
      if (options.maxEvents !== undefined && printed >= options.maxEvents) finish(EXIT.ok)
    }
    // Custom types need their own listeners, and `message` is one of them.
    // Without a filter every type must print, so listen through dispatchEvent.
    if (wanted.size > 0) for (const type of wanted) source.addEventListener(type, print)
    else interceptAllMessages(source, print)

    // An open connection always answered 200 with an event stream (§9.2.3).
    source.addEventListener('open', () => {
      state.opened = true
    })
    source.addEventListener('open', () => status('green', `* open: 200 text/event-stream (${source.url})`))
    source.addEventListener('error', (event: EventSourceErrorEvent) => {
      if (event.willReconnect) {
        status('yellow', `* ${event.message}`)
        return
      }
      // The spec's "stop" signal (204), or a clean end that is not followed
      // by a reconnect (--no-reconnect, or a non-GET stream).
      const cleanStop = event.status === 204 || (event.status === undefined && event.cause === undefined)
      const stopLine = event.status === 204 ? '* the server said stop (204 No Content)' : '* the stream ended'
      if (cleanStop) {
        status('dim', stopLine)
        finish(EXIT.ok)
        return
      }
      // The response first, the one-line reason last (what `tail -1` shows).
      if (event.kind === 'status' || event.kind === 'content-type') describeResponse(event, status)
      status('red', `eventsource-kit: ${event.message}`)
      finish(exitCode(event, state))
    })
  })
}

/** The exit code for a failure, by the error's kind (the library's discriminant). */
function exitCode(event: EventSourceErrorEvent, state: RunState): number {
  if (state.gaveUp) return EXIT.gaveUp
  switch (event.kind) {
    case 'status':
      return EXIT.status
    case 'content-type':
      return EXIT.contentType
    // No response within --inactivity-timeout is "no server" too, as
    // decide() already treats it (--retry covers it): the same code.
    case 'network':
    case 'timeout':
      return state.opened ? EXIT.failed : EXIT.network
    case 'end':
    case 'overflow':
    case 'aborted':
      return EXIT.failed
  }
}

/** Lines of a refused response's body shown on stderr: enough for a JSON error message. */
const BODY_LINES = 10

/** The status line, the headers that say what to do next, and the first lines of the body. */
function describeResponse(event: EventSourceErrorEvent, status: (style: 'dim' | 'red', text: string) => void): void {
  const response = event.response
  if (response !== undefined) {
    status('dim', `< HTTP ${response.status} ${response.statusText}`.trimEnd())
    for (const name of ['content-type', 'www-authenticate', 'retry-after']) {
      const value = response.headers.get(name)
      if (value !== null) status('dim', `< ${name}: ${value}`)
    }
  }
  if (event.body !== undefined && event.body !== '') {
    const lines = event.body.split(/\r?\n/)
    for (const line of lines.slice(0, BODY_LINES)) status('dim', `  ${line}`)
    if (lines.length > BODY_LINES) status('dim', `  … (${lines.length - BODY_LINES} more lines)`)
  }
}

/**
 * Every `MessageEvent` the source dispatches, whatever its type: the DOM has
 * no wildcard listener, so this wraps the instance's `dispatchEvent`.
 */
function interceptAllMessages(source: EventSource, onMessage: (event: MessageEvent<string>) => void): void {
  const dispatch = source.dispatchEvent.bind(source)
  source.dispatchEvent = (event: Event): boolean => {
    const result = dispatch(event)
    if (event instanceof MessageEvent) onMessage(event as MessageEvent<string>)
    return result
  }
}

async function version(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`eventsource-kit: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = EXIT.failed
  },
)
