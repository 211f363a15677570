#!/usr/bin/env node
/**
 * `eventsource-plus <url>`: connect, print events, reconnect and resume like
 * the library does. Events go to stdout; status lines go to stderr so stdout
 * stays clean for pipes.
 */
import { readFile } from 'node:fs/promises'
import { EventSource, type EventSourceErrorEvent, type EventSourceInit, type RetryContext } from 'eventsource-plus'
import { HELP, parseCliArgs, UsageError, type CliOptions } from './args.js'
import { formatJson, formatReadable, paint, useColor } from './format.js'

/** Exit codes, as `--help` lists them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 124 } as const

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions
  try {
    options = parseCliArgs(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`eventsource-plus: ${error.message}\nTry 'eventsource-plus --help'.\n`)
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
  try {
    init = await toInit(options)
  } catch (error) {
    process.stderr.write(`eventsource-plus: ${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.usage
  }
  return run(options, init)
}

/** Maps the command line onto the library's options. */
async function toInit(options: CliOptions): Promise<EventSourceInit> {
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
          ...(options.retryLimit === undefined ? {} : { limit: options.retryLimit }),
          // A POST stream (an LLM answer) that ends cleanly is finished: exit
          // instead of re-sending it. Broken streams still resume by id.
          ...(method === 'GET' ? {} : { shouldRetry: (context) => (isCleanEnd(context) ? false : context.willRetry) }),
        }
      : false,
  }
  // The body is read once and re-sent as is on a reconnect that resumes.
  if (body !== undefined) init.body = body
  if (options.lastEventId !== undefined) init.lastEventId = options.lastEventId
  if (options.inactivityTimeout !== undefined) init.inactivityTimeout = options.inactivityTimeout
  return init
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
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
function run(options: CliOptions, init: EventSourceInit): Promise<number> {
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
      status('red', `eventsource-plus: ${error instanceof Error ? error.message : String(error)}`)
      resolve(EXIT.usage)
      return
    }
    status('dim', `* connecting to ${source.url}`)

    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (code: number): void => {
      clearTimeout(timer)
      source.close()
      resolve(code)
    }
    // `eventsource-plus URL | head -1`: the reader went away, which is a
    // normal way to stop, not a crash.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') finish(EXIT.ok)
      else throw error
    })
    if (options.timeout !== undefined) {
      const limit = options.timeout
      timer = setTimeout(() => {
        status('red', `eventsource-plus: timed out after ${limit} ms`)
        finish(EXIT.timeout)
      }, limit)
    }

    const print = (event: MessageEvent<string>): void => {
      if (wanted.size > 0 && !wanted.has(event.type)) return
      const printedEvent = { type: event.type, data: event.data, lastEventId: event.lastEventId }
      process.stdout.write(options.json ? formatJson(printedEvent) : formatReadable(printedEvent, outColor, options.pretty))
      printed++
      if (options.maxEvents !== undefined && printed >= options.maxEvents) finish(EXIT.ok)
    }
    // Custom types need their own listeners, and `message` is one of them.
    // Without a filter every type must print, so listen through dispatchEvent.
    if (wanted.size > 0) for (const type of wanted) source.addEventListener(type, print)
    else interceptAllMessages(source, print)

    // An open connection always answered 200 with an event stream (§9.2.3).
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
      status(cleanStop ? 'dim' : 'red', cleanStop ? stopLine : `eventsource-plus: ${event.message}`)
      finish(cleanStop ? EXIT.ok : EXIT.failed)
    })
  })
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
    process.stderr.write(`eventsource-plus: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = EXIT.failed
  },
)
