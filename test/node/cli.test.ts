// NODE-ONLY (spawns the built command line; not part of the cross-runtime suite).
//
// Issue 8: the command line is tested as a user runs it — the real binary
// (dist/cli/main.js of a private build, see private-build.ts) in a child
// process, against the scriptable SSE server, which logs the raw request
// headers and bodies it received. Each case asserts the exit code, what went
// to stdout (events only) and to stderr (status lines and the one-line reason).

import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { at, attempts, header, scriptUrl, uniqueKey, type LoggedRequest, type Script } from '../support/script.js'
import { privateBuild, ROOT, type PrivateBuild } from './private-build.js'

const origin = inject('sseOrigin')
const refusedOrigin = inject('sseRefusedOrigin')

let build: PrivateBuild
beforeAll(() => {
  build = privateBuild('cli')
})
afterAll(() => {
  build.remove()
})

interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Wall-clock time from spawn to exit. */
  ms: number
}

/** A child that does not exit by itself within this long is killed and the test fails. */
const CLI_KILL_MS = 10_000

/** Runs `eventsource-kit ...args` with pipes (so neither stdout nor stderr is a TTY). */
function runCli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const started = performance.now()
  const child = spawn(process.execPath, [build.cli, ...args], {
    cwd: ROOT,
    // FORCE_COLOR/NO_COLOR must not decide anything here: colour follows the TTY alone.
    env: options.env ?? { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  if (options.stdin === undefined) child.stdin.end()
  else child.stdin.end(options.stdin)
  const killer = setTimeout(() => child.kill('SIGKILL'), CLI_KILL_MS)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started })
    })
  })
}

/** Shown on failure: everything the child printed. */
function describeRun(result: CliResult): string {
  return `exit ${result.code} (${result.signal ?? 'no signal'})\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`
}

function expectExit(result: CliResult, code: number): void {
  expect(result.code, describeRun(result)).toBe(code)
}

/** `--json` output: every stdout line must be one JSON object. */
function jsonLines(stdout: string): Array<{ type: string; data: string; lastEventId: string }> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; data: string; lastEventId: string })
}

/** The last non-empty stderr line: the one-line reason of a failure. */
function lastStderrLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((line) => line !== '')
  return lines[lines.length - 1] ?? ''
}

function body(request: LoggedRequest): string {
  return Buffer.from(request.bodyBase64, 'base64').toString('utf8')
}

/** A script URL plus its key, for reading the server's log afterwards. */
function scripted(label: string, script: Script): { url: string; key: string } {
  const key = uniqueKey(`cli-${label}`)
  return { url: scriptUrl(origin, key, script), key }
}

// A reset (`end: 'destroy'`) can make the client's kernel drop bytes it has
// received but not yet handed over, so every script pauses ({ delay: 100 })
// before it resets a connection whose events must arrive.

// ESC: any colour or style sequence.
const ANSI = /\u001b\[/

describe('output', () => {
  it('prints a readable block per event: type, id, and the data exactly as received; no colour on a pipe', async () => {
    const { url } = scripted('readable', [
      {
        chunks: ['event: update\nid: 7\ndata: {"a":1,"b":[true,"x"]}\n\n', 'data: plain text, {not json\n\n', 'data: line 1\ndata: line 2\n\n'],
        end: 'hang',
      },
    ])
    const result = await runCli(['-n', '3', url])
    expectExit(result, 0)
    expect(result.stdout).toBe(
      'update  id: 7\n{"a":1,"b":[true,"x"]}\n\n' +
        // The id carries over to later events, as in the library.
        'message  id: 7\nplain text, {not json\n\n' +
        'message  id: 7\nline 1\nline 2\n\n',
    )
    expect(result.stdout).not.toMatch(ANSI)
    expect(result.stderr).not.toMatch(ANSI)
  })

  it('prints big integers, unicode and multi-line data byte for byte', async () => {
    const data = '{"n": 2, "big": 12345678901234567890, "f": 1.50, "s": "h\\u00e9 é 😀"}'
    const { url } = scripted('verbatim', [{ chunks: [`data: ${data}\ndata:   second line \n\n`], end: 'hang' }])
    const result = await runCli(['-n', '1', url])
    expectExit(result, 0)
    expect(result.stdout).toBe(`message\n${data}\n  second line \n\n`)
    const json = await runCli(['--json', '-n', '1', url])
    expectExit(json, 0)
    expect(json.stdout).toContain('12345678901234567890')
    expect(jsonLines(json.stdout)[0]?.data).toBe(`${data}\n  second line `)
  })

  it('--pretty indents JSON without changing a value', async () => {
    const { url } = scripted('pretty', [
      { chunks: ['data: {"big":12345678901234567890,"f":1.50,"a":[],"s":"x,\\"y\\": z"}\n\n', 'data: not {json\n\n'], end: 'hang' },
    ])
    const result = await runCli(['--pretty', '-n', '2', url])
    expectExit(result, 0)
    expect(result.stdout).toBe(
      'message\n{\n  "big": 12345678901234567890,\n  "f": 1.50,\n  "a": [],\n  "s": "x,\\"y\\": z"\n}\n\n' + 'message\nnot {json\n\n',
    )
  })

  it('leaves out the id when there is none', async () => {
    const { url } = scripted('no-id', [{ chunks: ['data: hi\n\n'], end: 'hang' }])
    const result = await runCli(['-n', '1', url])
    expectExit(result, 0)
    expect(result.stdout).toBe('message\nhi\n\n')
  })

  it('--json prints one JSON object per line with type, data and lastEventId, data left as sent', async () => {
    const { url } = scripted('json', [
      {
        chunks: ['id: 1\ndata: {"token":"Hel"}\n\n', 'event: note\ndata: two\ndata: lines\n\n', 'id: 3\ndata: ünïcödé ✓\n\n'],
        end: 'hang',
      },
    ])
    const result = await runCli(['--json', '--max-events', '3', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout)).toEqual([
      { type: 'message', data: '{"token":"Hel"}', lastEventId: '1' },
      { type: 'note', data: 'two\nlines', lastEventId: '1' },
      { type: 'message', data: 'ünïcödé ✓', lastEventId: '3' },
    ])
    expect(result.stdout.split('\n')).toHaveLength(4) // three lines and the final newline
    expect(result.stdout).not.toMatch(ANSI)
  })

  it('status lines go to stderr only: stdout holds nothing but events', async () => {
    const { url } = scripted('clean-stdout', [{ chunks: ['data: only\n\n'], end: 'hang' }])
    const result = await runCli(['-n', '1', url])
    expectExit(result, 0)
    expect(result.stdout).toBe('message\nonly\n\n')
    expect(result.stderr).toContain(`* connecting to ${url}`)
    expect(result.stderr).toContain('* open')
    expect(result.stderr).not.toContain('only')
  })

  it('--event prints only the listed types (repeatable)', async () => {
    const { url } = scripted('filter', [
      {
        chunks: [
          'event: a\ndata: 1\n\n',
          'data: plain message\n\n',
          'event: b\ndata: 2\n\n',
          'event: c\ndata: 3\n\n',
          'event: a\ndata: 4\n\n',
        ],
        end: 'hang',
      },
    ])
    const result = await runCli(['--json', '--event', 'a', '--event', 'b', '-n', '3', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => `${event.type}:${event.data}`)).toEqual(['a:1', 'b:2', 'a:4'])
  })

  it('--event message prints unnamed events', async () => {
    const { url } = scripted('filter-message', [
      { chunks: ['event: other\ndata: no\n\n', 'data: yes\n\n'], end: 'hang' },
    ])
    const result = await runCli(['--json', '--event', 'message', '-n', '1', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout)).toEqual([{ type: 'message', data: 'yes', lastEventId: '' }])
  })
})

// util-linux `script` runs a command on a pseudo-terminal: the only way to give
// the child a real TTY without a native module.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0

/** Runs the CLI with stdout (and stderr, unless redirected) on a pseudo-terminal. */
async function runOnTty(args: string[], stderrToNull: boolean, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`
  const command = [process.execPath, build.cli, ...args].map(quote).join(' ') + (stderrToNull ? ' 2>/dev/null' : '')
  const started = performance.now()
  const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...inherited } = process.env
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...inherited, ...env },
  })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stdin.end()
  const killer = setTimeout(() => child.kill('SIGKILL'), CLI_KILL_MS)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr: '', ms: performance.now() - started })
    })
  })
}

describe.skipIf(!hasScript)('on a terminal', () => {
  it('colours the readable output and the status lines', async () => {
    const { url } = scripted('tty', [{ chunks: ['id: 5\ndata: {"a":1}\n\n'], end: 'hang' }])
    const result = await runOnTty(['-n', '1', url], false)
    expectExit(result, 0)
    // Bold cyan type, dim id, then the data as sent, uncoloured.
    expect(result.stdout).toContain('\u001b[1m\u001b[36mmessage\u001b[39m\u001b[22m\u001b[2m  id: 5\u001b[22m')
    expect(result.stdout).toContain('\r\n{"a":1}\r\n')
    expect(result.stdout).toMatch(/\u001b\[32m\* open/)
  })

  it('NO_COLOR turns colour off even on a terminal', async () => {
    const { url } = scripted('tty-no-color', [{ chunks: ['id: 5\ndata: {"a":1}\n\n'], end: 'hang' }])
    const result = await runOnTty(['-n', '1', url], false, { NO_COLOR: '1' })
    expectExit(result, 0)
    expect(result.stdout).toContain('message  id: 5')
    expect(result.stdout).not.toMatch(ANSI)
  })

  it('--json stays plain JSON even on a terminal', async () => {
    const { url } = scripted('tty-json', [{ chunks: ['id: 5\ndata: {"a":1}\n\n'], end: 'hang' }])
    const result = await runOnTty(['--json', '-n', '1', url], true)
    expectExit(result, 0)
    expect(result.stdout).not.toMatch(ANSI)
    expect(JSON.parse(result.stdout.trim())).toEqual({ type: 'message', data: '{"a":1}', lastEventId: '5' })
  })
})

describe('in a pipe', () => {
  it('FORCE_COLOR colours output even in a pipe, and NO_COLOR wins over it', async () => {
    const { url } = scripted('force-color', [{ chunks: ['id: 5\ndata: x\n\n'], end: 'hang' }])
    const forced = await runCli(['-n', '1', url], { env: { PATH: process.env.PATH ?? '', FORCE_COLOR: '1' } })
    expectExit(forced, 0)
    expect(forced.stdout).toMatch(ANSI)
    const both = await runCli(['-n', '1', url], { env: { PATH: process.env.PATH ?? '', FORCE_COLOR: '1', NO_COLOR: '1' } })
    expectExit(both, 0)
    expect(both.stdout).not.toMatch(ANSI)
  })

  it('stops quietly (exit 0, no stack trace) when the reader closes the pipe, as `… | head -1` does', async () => {
    const { url } = scripted('epipe', [
      { chunks: ['data: 1\n\n', { delay: 200 }, 'data: 2\n\n', { delay: 200 }, 'data: 3\n\n'], end: 'hang' },
    ])
    const child = spawn(process.execPath, [build.cli, '--json', url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    // Like `head -1`: read the first line, then close our end of the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.stdout.destroy()
    const killer = setTimeout(() => child.kill('SIGKILL'), CLI_KILL_MS)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    )
    clearTimeout(killer)
    const result = { code, signal, stdout: '', stderr, ms: 0 }
    expect(stderr, describeRun(result)).not.toMatch(/EPIPE|Error:|\n\s+at /)
    expectExit(result, 0)
  })
})

describe('request', () => {
  it('-H is repeatable and the server sees every header; Accept stays text/event-stream', async () => {
    const { url, key } = scripted('headers', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const result = await runCli([
      '-H',
      'Authorization: Bearer s3cret',
      '--header',
      'X-Trace:  abc 123 ',
      '-H',
      'X-Empty:',
      '-n',
      '1',
      url,
    ])
    expectExit(result, 0)
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(request.method).toBe('GET')
    expect(header(request, 'authorization')).toBe('Bearer s3cret')
    expect(header(request, 'x-trace')).toBe('abc 123')
    expect(header(request, 'x-empty')).toBe('')
    expect(header(request, 'accept')).toBe('text/event-stream')
  })

  it('-H Last-Event-ID is mapped to --last-event-id; -H Accept is refused with a reason', async () => {
    const { url, key } = scripted('lei-header', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const result = await runCli(['-H', 'Last-Event-ID: 9', '-n', '1', url])
    expectExit(result, 0)
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(header(request, 'last-event-id')).toBe('9')
    const accept = await runCli(['-H', 'Accept: application/json', url])
    expectExit(accept, 2)
    expect(accept.stderr).toContain('Accept: text/event-stream')
  })

  it('-d with a JSON body and no Content-Type sends application/json; other text stays text/plain', async () => {
    const json = scripted('json-body', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const text = scripted('text-body', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    expectExit(await runCli(['-d', '{"prompt":"hi"}', '-n', '1', json.url]), 0)
    expectExit(await runCli(['-d', 'hello', '-n', '1', text.url]), 0)
    expect(header(at(await attempts(origin, json.key, { min: 1 }), 0), 'content-type')).toBe('application/json')
    expect(header(at(await attempts(origin, text.key, { min: 1 }), 0), 'content-type')).toMatch(/^text\/plain/)
  })

  it('-v shows the request and response headers and the Last-Event-ID of a reconnect on stderr', async () => {
    const { url } = scripted('verbose', [
      { chunks: ['retry: 50\nid: 4\ndata: a\n\n', { delay: 100 }], end: 'destroy' },
      { chunks: ['data: b\n\n'], end: 'hang' },
    ])
    const result = await runCli(['-v', '-H', 'X-Trace: t1', '-n', '2', url])
    expectExit(result, 0)
    expect(result.stderr).toMatch(/^> GET \/\S* HTTP\/1\.1$/m)
    expect(result.stderr).toMatch(/^> x-trace: t1$/m)
    expect(result.stderr).toMatch(/^< HTTP 200/m)
    expect(result.stderr).toMatch(/^< content-type: text\/event-stream/m)
    expect(result.stderr).toContain('reconnect will send Last-Event-ID: 4')
    expect(result.stdout).toBe('message  id: 4\na\n\nmessage  id: 4\nb\n\n')
  })

  it('-v shows comments and retry: lines as they arrive, besides the headers; stdout is as without -v', async () => {
    const { url } = scripted('verbose-body', [
      {
        chunks: [': hello there\n', 'retry: 70\nretry: soon\n', 'data: a\n\n', ':\n:keep-alive\n\n', 'data: b\n\n'],
        end: 'hang',
      },
    ])
    const [verbose, plain] = await Promise.all([runCli(['-v', '-n', '2', url]), runCli(['-n', '2', url])])
    expectExit(verbose, 0)
    expectExit(plain, 0)
    expect(verbose.stdout).toBe(plain.stdout)
    expect(verbose.stdout).toBe('message\na\n\nmessage\nb\n\n')
    expect(verbose.stderr).toMatch(/^> GET \/\S* HTTP\/1\.1$/m)
    expect(verbose.stderr).toMatch(/^> accept: text\/event-stream$/m)
    expect(verbose.stderr).toMatch(/^< HTTP 200/m)
    expect(verbose.stderr).toMatch(/^< content-type: text\/event-stream/m)
    // In the order they came, after the response's headers.
    const shown = verbose.stderr.split('\n').filter((line) => /^\* (comment|retry)/.test(line))
    expect(shown).toEqual([
      '* comment: hello there',
      '* retry: 70',
      '* retry: "soon" ignored (not a whole number)',
      '* comment: ',
      '* comment: keep-alive',
    ])
    expect(verbose.stderr.indexOf('< content-type')).toBeLessThan(verbose.stderr.indexOf('* comment: hello there'))
    expect(plain.stderr).not.toMatch(/comment|retry:/)
  })

  it('-v shows no comments from a body that is not an event stream', async () => {
    const { url } = scripted('verbose-html', [{ headers: { 'Content-Type': 'text/html' }, chunks: [': not a comment\n<p>hi</p>\n'] }])
    const result = await runCli(['-v', url])
    expectExit(result, 5)
    expect(result.stderr).toContain(': not a comment')
    expect(result.stderr).not.toContain('* comment')
  })

  it('-v keeps what a redirect changed: reconnects go to the final URL', async () => {
    const target = scripted('verbose-redirect-target', [
      { chunks: ['retry: 50\nid: 1\ndata: a\n\n'] },
      { chunks: ['data: b\n\n'], end: 'hang' },
    ])
    const start = scripted('verbose-redirect-start', [{ status: 307, headers: { Location: target.url } }])
    const result = await runCli(['-v', '--json', '-n', '2', start.url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a', 'b'])
    expect(await attempts(origin, start.key, { min: 2, timeout: 300 })).toHaveLength(1)
    expect(await attempts(origin, target.key, { min: 2 })).toHaveLength(2)
  })

  it('-v with --inactivity-timeout: a silent stream is still cut and resumed, the same events printed', async () => {
    const { url, key } = scripted('verbose-inactivity', [
      { chunks: ['retry: 50\nid: 1\ndata: a\n\n'], end: 'hang' },
      { chunks: [': ping\n', 'id: 2\ndata: b\n\n'], end: 'hang' },
    ])
    const result = await runCli(['-v', '--json', '--inactivity-timeout', '300ms', '-n', '2', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a', 'b'])
    expect(result.stderr).toContain('reconnect will send Last-Event-ID: 1')
    expect(result.stderr).toMatch(/^\* comment: ping$/m)
    const requests = await attempts(origin, key, { min: 2, closed: 1 })
    expect(at(requests, 0).closedByClient).toBe(true)
  })

  it('-d TEXT sends a POST with that body', async () => {
    const { url, key } = scripted('data-text', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const result = await runCli(['-H', 'Content-Type: application/json', '-d', '{"prompt":"hi"}', '-n', '1', url])
    expectExit(result, 0)
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(request.method).toBe('POST')
    expect(body(request)).toBe('{"prompt":"hi"}')
    expect(header(request, 'content-type')).toBe('application/json')
  })

  it('-X sets the method (case-insensitively), with or without a body', async () => {
    const put = scripted('method-put', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const report = scripted('method-report', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const [withBody, withoutBody] = await Promise.all([
      runCli(['-X', 'put', '-d', 'payload', '-n', '1', put.url]),
      runCli(['--method', 'REPORT', '-n', '1', report.url]),
    ])
    expectExit(withBody, 0)
    expectExit(withoutBody, 0)
    const putRequest = at(await attempts(origin, put.key, { min: 1 }), 0)
    expect(putRequest.method).toBe('PUT')
    expect(body(putRequest)).toBe('payload')
    const reportRequest = at(await attempts(origin, report.key, { min: 1 }), 0)
    expect(reportRequest.method).toBe('REPORT')
    expect(body(reportRequest)).toBe('')
  })

  it('-d @FILE sends the file as the body, byte for byte', async () => {
    const file = join(build.dir, 'body.json')
    const content = '{\n  "prompt": "ünïcödé ✓",\n  "n": 1\n}\n'
    writeFileSync(file, content)
    const { url, key } = scripted('data-file', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const result = await runCli(['-d', `@${file}`, '-n', '1', url])
    expectExit(result, 0)
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(request.method).toBe('POST')
    expect(body(request)).toBe(content)
  })

  it('-d @- sends all of stdin as the body', async () => {
    const { url, key } = scripted('data-stdin', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const stdin = `${'{"prompt":"a long prompt"}\n'.repeat(5000)}end`
    const result = await runCli(['-d', '@-', '-n', '1', url], { stdin })
    expectExit(result, 0)
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(request.method).toBe('POST')
    expect(body(request)).toBe(stdin)
  })

  it('-d @missing fails with exit 2 and a one-line reason naming the file', async () => {
    const missing = join(build.dir, 'no-such-file.json')
    const result = await runCli(['-d', `@${missing}`, `${origin}/unused`])
    expectExit(result, 2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('no-such-file.json')
    expect(result.stdout).toBe('')
  })

  it('--last-event-id is sent as Last-Event-ID from the first request', async () => {
    const { url, key } = scripted('last-id', [{ chunks: ['data: x\n\n'], end: 'hang' }])
    const result = await runCli(['--last-event-id', '42', '--json', '-n', '1', url])
    expectExit(result, 0)
    const request = at(await attempts(origin, key, { min: 1 }), 0)
    expect(header(request, 'last-event-id')).toBe('42')
    // The initial id is also the event's lastEventId until the stream sets one.
    expect(jsonLines(result.stdout)).toEqual([{ type: 'message', data: 'x', lastEventId: '42' }])
  })
})

describe('exit codes', () => {
  it('--max-events N: exit 0 after N printed events while the stream stays open', async () => {
    const { url, key } = scripted('max', [{ chunks: ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n'], end: 'hang' }])
    const result = await runCli(['--json', '-n', '2', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['1', '2'])
    // Exiting closed the connection (the server would have held it open).
    const [request] = await attempts(origin, key, { min: 1, closed: 1 })
    expect(request?.closedByClient).toBe(true)
  })

  it('204 is a clean stop: exit 0, no reconnect', async () => {
    const { url, key } = scripted('204', [{ status: 204 }])
    const result = await runCli([url])
    expectExit(result, 0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/204/)
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('204 after events on a reconnect: the events, then exit 0', async () => {
    const { url } = scripted('204-after', [{ chunks: ['retry: 50\nid: 1\ndata: a\n\n'] }, { status: 204 }])
    const result = await runCli(['--json', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a'])
  })

  for (const status of [404, 500]) {
    it(`${status}: exit 4 with a one-line reason naming the status on stderr, no retry`, async () => {
      const { url, key } = scripted(`status-${status}`, [
        { status, headers: { 'Content-Type': 'text/plain' }, chunks: ['nope'] },
      ])
      const result = await runCli([url])
      expectExit(result, 4)
      expect(result.stderr).toContain(`< HTTP ${status}`)
      expect(result.stderr).toContain('  nope')
      expect(result.stdout).toBe('')
      const reason = lastStderrLine(result)
      expect(reason).toMatch(/^eventsource-kit: /)
      expect(reason).toContain(String(status))
      expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
    })
  }

  it('401 with a JSON body: exit 4, WWW-Authenticate and the body\'s message on stderr', async () => {
    const { url } = scripted('status-401', [
      {
        status: 401,
        headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="api"' },
        chunks: ['{"error": "token expired"}'],
      },
    ])
    const result = await runCli([url])
    expectExit(result, 4)
    expect(result.stderr).toContain('< www-authenticate: Bearer realm="api"')
    expect(result.stderr).toContain('{"error": "token expired"}')
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: .*401/)
  })

  it('503 with Retry-After: exit 4, the status, Retry-After and the first lines of the body on stderr', async () => {
    const lines = Array.from({ length: 14 }, (_, index) => `line ${index + 1}`)
    const { url, key } = scripted('status-503', [
      { status: 503, headers: { 'Content-Type': 'text/plain', 'Retry-After': '120' }, chunks: [lines.join('\n')] },
    ])
    const result = await runCli([url])
    expectExit(result, 4)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^< HTTP 503 Service Unavailable$/m)
    expect(result.stderr).toMatch(/^< retry-after: 120$/m)
    // The first ten lines, then how many were left out.
    expect(result.stderr).toContain(lines.slice(0, 10).map((line) => `  ${line}\n`).join(''))
    expect(result.stderr).not.toContain('line 11')
    expect(result.stderr).toContain('  … (4 more lines)')
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: .*503/)
    // Retry-After is shown, not obeyed: an error status is not retried.
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('SIGINT (Ctrl-C) while streaming: exit 130 at once', async () => {
    const { url } = scripted('sigint', [{ chunks: ['data: first\n\n'], end: 'hang' }])
    const child = spawn(process.execPath, [build.cli, '--json', url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    )
    child.stdout.setEncoding('utf8')
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (text: string) => {
        stdout += text
        if (stdout.includes('\n')) resolve()
      }),
    )
    const signalled = performance.now()
    child.kill('SIGINT')
    const killer = setTimeout(() => child.kill('SIGKILL'), CLI_KILL_MS)
    const [code, signal] = await closed
    clearTimeout(killer)
    const result = { code, signal, stdout, stderr, ms: performance.now() - signalled }
    expectExit(result, 130)
    expect(jsonLines(stdout).map((event) => event.data)).toEqual(['first'])
    // The open connection and its timers must not keep the process alive.
    expect(result.ms, describeRun(result)).toBeLessThan(1000)
  })

  it('a wrong Content-Type (text/html): exit 5 with a one-line reason naming the type', async () => {
    const { url } = scripted('wrong-type', [{ headers: { 'Content-Type': 'text/html' }, chunks: ['<p>hi</p>'] }])
    const result = await runCli([url])
    expectExit(result, 5)
    expect(result.stdout).toBe('')
    const reason = lastStderrLine(result)
    expect(reason).toMatch(/^eventsource-kit: /)
    expect(reason).toMatch(/content.type/i)
    expect(reason).toContain('text/html')
  })

  it('--no-reconnect: a clean end of stream exits 0 after the events, one request', async () => {
    const { url, key } = scripted('no-reconnect', [{ chunks: ['id: 1\ndata: a\n\n', 'data: b\n\n'] }])
    const result = await runCli(['--json', '--no-reconnect', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a', 'b'])
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('--no-reconnect: a broken stream exits 1', async () => {
    const { url } = scripted('no-reconnect-broken', [{ chunks: ['data: a\n\n', { delay: 100 }], end: 'destroy' }])
    const result = await runCli(['--json', '--no-reconnect', url])
    expectExit(result, 1)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a'])
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: /)
  })

  it('a request with a body whose stream ends cleanly exits 0 and is not re-sent', async () => {
    const { url, key } = scripted('post-end', [{ chunks: ['id: 1\ndata: a\n\n', 'event: done\ndata: [DONE]\n\n'] }])
    const result = await runCli(['--json', '-d', '{}', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.type)).toEqual(['message', 'done'])
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('a request with a body whose stream broke before any id: exit 1, not re-sent', async () => {
    const { url, key } = scripted('post-broken', [{ chunks: ['retry: 50\ndata: Hel\n\n', { delay: 100 }], end: 'destroy' }])
    const result = await runCli(['--json', '-d', '{"prompt":"hi"}', url])
    expectExit(result, 1)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['Hel'])
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: /)
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('a refused connection: exit 3 at once, as curl, with a one-line reason', async () => {
    const result = await runCli([`${refusedOrigin}/events`])
    expectExit(result, 3)
    expect(result.ms).toBeLessThan(2500)
    expect(result.stdout).toBe('')
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: /)
  })

  it('a DNS failure (.invalid never resolves): exit 3 at once', async () => {
    const result = await runCli(['http://nonexistent.invalid/'])
    expectExit(result, 3)
    expect(result.ms).toBeLessThan(2500)
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: /)
  })

  it('no response headers within --inactivity-timeout: exit 3 at once, as for a refused connection', async () => {
    const { url, key } = scripted('no-headers', [{ delayHeaders: 5000, chunks: ['data: late\n\n'] }])
    const result = await runCli(['--inactivity-timeout', '300ms', url])
    expectExit(result, 3)
    expect(result.ms).toBeLessThan(2500)
    expect(result.stdout).toBe('')
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: /)
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('--retry 1 retries a refused connection once, then gives up: exit 6', async () => {
    const result = await runCli(['--retry', '1', `${refusedOrigin}/events`])
    expectExit(result, 6)
    expect(result.stderr).toMatch(/reconnecting/i)
  })

  it('--retry-limit with --inactivity-timeout against a silent stream stops: exit 6', async () => {
    const { url, key } = scripted('silent', { attempts: [], then: { chunks: ['retry: 50\n\n'], end: 'hang' } })
    const result = await runCli(['--retry-limit', '2', '--inactivity-timeout', '300ms', '--timeout', '8s', url])
    expectExit(result, 6)
    expect(await attempts(origin, key, { min: 3, timeout: 500 })).toHaveLength(2)
  })

  it('--retry-limit N: gives up after N failed attempts in a row, the broken open one included: exit 6', async () => {
    // The first attempt opens and sets a short reconnection time; every later
    // one is reset before any response, so those count as failed.
    const { url, key } = scripted('retry-limit', {
      attempts: [{ chunks: ['retry: 50\nid: 1\ndata: a\n\n', { delay: 100 }], end: 'destroy' }],
      then: { destroyBeforeHeaders: true },
    })
    const result = await runCli(['--json', '--retry-limit', '3', url])
    expectExit(result, 6)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a'])
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: /)
    // One that opened and broke, then two resets: three failures.
    expect(await attempts(origin, key, { min: 4, timeout: 500 })).toHaveLength(3)
  })

  it('a stream that opens and then goes silent, again and again: the waits double, and --retry-limit stops it (exit 6)', async () => {
    // Every attempt opens (200, text/event-stream); only the first sends an
    // event. The library resets its backoff whenever a stream opens, so the
    // growth here is the CLI's own: failures in a row since the last event.
    const base = 150
    const { url, key } = scripted('backoff-opened', {
      attempts: [{ chunks: [`retry: ${base}\nid: 1\ndata: a\n\n`], end: 'hang' }],
      then: { chunks: [], end: 'hang' },
    })
    const result = await runCli(['--json', '--inactivity-timeout', '200ms', '--retry-limit', '4', url])
    expectExit(result, 6)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a'])
    // Four failed attempts (the one that printed an event, then three silent
    // ones), each cut by the inactivity timeout, and no fifth.
    const requests = await attempts(origin, key, { min: 5, closed: 4, timeout: 500 })
    expect(requests).toHaveLength(4)
    // The wait is the server's view: from the client dropping one attempt to
    // its next request. Expected: base × 2^n, plus up to 20 % jitter.
    const waits = requests.slice(1).map((request, index) => request.receivedAt - (at(requests, index).closedAt ?? Number.NaN))
    const context = `waits ${waits.map(Math.round).join(', ')} ms\n${describeRun(result)}`
    for (const [index, wait] of waits.entries()) {
      const expected = base * 2 ** index
      expect(wait, context).toBeGreaterThanOrEqual(expected - 30)
      expect(wait, context).toBeLessThan(expected * 1.2 + 300)
    }
    expect(result.stderr.match(/reconnecting in \d+ ms/g)?.map((line) => Number(/\d+/.exec(line)?.[0]))).toSatisfy(
      (delays: number[]) => delays.length === 3 && delays.every((delay, index) => delay >= base * 2 ** index && delay <= base * 2 ** index * 1.2),
    )
  })

  it("a server's retry: longer than the 30 s cap is still waited in full", async () => {
    const { url, key } = scripted('retry-above-cap', [{ chunks: ['retry: 40000\ndata: a\n\n'] }])
    const result = await runCli(['--timeout', '1s', url])
    expectExit(result, 124)
    const delay = Number(/reconnecting in (\d+) ms/.exec(result.stderr)?.[1])
    expect(delay, describeRun(result)).toBeGreaterThanOrEqual(40_000)
    expect(delay, describeRun(result)).toBeLessThanOrEqual(48_000)
    expect(await attempts(origin, key, { min: 2, timeout: 300 })).toHaveLength(1)
  })

  it('--timeout 300ms: exit 124 when nothing ends the run in time', async () => {
    const { url } = scripted('timeout', [{ chunks: [': quiet\n\n'], end: 'hang' }])
    const result = await runCli(['--timeout', '300ms', url])
    expectExit(result, 124)
    expect(result.ms).toBeGreaterThanOrEqual(300)
    expect(result.ms).toBeLessThan(5000)
    expect(lastStderrLine(result)).toMatch(/^eventsource-kit: .*300 ms/)
  })

  it('--inactivity-timeout: a silent connection is re-established and resumed', async () => {
    const { url, key } = scripted('inactivity', [
      { chunks: ['retry: 50\nid: 1\ndata: a\n\n'], end: 'hang' },
      { chunks: ['id: 2\ndata: b\n\n'], end: 'hang' },
    ])
    const result = await runCli(['--json', '--inactivity-timeout', '300ms', '-n', '2', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['a', 'b'])
    const requests = await attempts(origin, key, { min: 2 })
    expect(header(at(requests, 1), 'last-event-id')).toBe('1')
  })
})

describe('resume', () => {
  it('the server drops mid-stream: the CLI reconnects with Last-Event-ID and prints every event exactly once', async () => {
    const { url, key } = scripted('resume', [
      // A half-sent event before the reset must not be printed.
      { chunks: ['retry: 100\n\n', 'id: 1\ndata: one\n\n', 'id: 2\ndata: two\n\n', 'id: 3\ndata: thr', { delay: 100 }], end: 'destroy' },
      { chunks: ['id: 3\ndata: three\n\n', 'id: 4\ndata: four\n\n'] },
      { chunks: ['id: 5\ndata: five\n\n'], end: 'hang' },
    ])
    const result = await runCli(['--json', '-n', '5', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout)).toEqual([
      { type: 'message', data: 'one', lastEventId: '1' },
      { type: 'message', data: 'two', lastEventId: '2' },
      { type: 'message', data: 'three', lastEventId: '3' },
      { type: 'message', data: 'four', lastEventId: '4' },
      { type: 'message', data: 'five', lastEventId: '5' },
    ])
    const requests = await attempts(origin, key, { min: 3 })
    expect(requests.map((request) => header(request, 'last-event-id'))).toEqual([null, '2', '4'])
    // Status lines: stderr tells of each reconnect and its delay; stdout has none.
    // 100 ms from retry:, plus up to 20 % jitter.
    expect(result.stderr).toMatch(/reconnecting in 1[0-2]\d ms/)
    expect(result.stderr.match(/\* open/g)).toHaveLength(3)
  })

  it('resumes a POST stream that broke (the body re-sent with Last-Event-ID), then exits 0 on its clean end', async () => {
    const { url, key } = scripted('resume-post', [
      { chunks: ['retry: 50\n\n', 'id: 1\ndata: Hel\n\n', { delay: 100 }], end: 'destroy' },
      { chunks: ['id: 2\ndata: lo\n\n', 'event: done\ndata: [DONE]\n\n'] },
    ])
    const result = await runCli(['--json', '-d', '{"prompt":"hi"}', url])
    expectExit(result, 0)
    expect(jsonLines(result.stdout).map((event) => event.data)).toEqual(['Hel', 'lo', '[DONE]'])
    const requests = await attempts(origin, key, { min: 2 })
    expect(requests).toHaveLength(2)
    expect(header(at(requests, 1), 'last-event-id')).toBe('1')
    expect(requests.map(body)).toEqual(['{"prompt":"hi"}', '{"prompt":"hi"}'])
  })
})

describe('command line', () => {
  it('an unknown flag: exit 2, the problem and a pointer to --help on stderr', async () => {
    const result = await runCli(['--bogus', `${origin}/x`])
    expectExit(result, 2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('--bogus')
    expect(result.stderr).toContain('--help')
  })

  it.each([
    [[], 'URL'],
    [['-n', '0', 'http://127.0.0.1:1/'], '--max-events'],
    [['--timeout', 'soon', 'http://127.0.0.1:1/'], '--timeout'],
    [['--retry-limit', '-1', 'http://127.0.0.1:1/'], '--retry-limit'],
    [['-H', 'no colon', 'http://127.0.0.1:1/'], 'Name: value'],
    [['http://a/', 'http://b/'], 'one URL'],
  ])('bad usage %j: exit 2 naming the problem', async (args, problem) => {
    const result = await runCli(args)
    expectExit(result, 2)
    expect(result.stderr).toContain(problem)
    expect(result.stdout).toBe('')
  })

  it('an invalid URL: exit 2 with a one-line reason', async () => {
    const result = await runCli(['not a url'])
    expectExit(result, 2)
    expect(result.stdout).toBe('')
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/^eventsource-kit: .*not a url/i)
  })

  it('--help: exit 0, every option, the exit codes and examples', async () => {
    const result = await runCli(['--help'])
    expectExit(result, 0)
    for (const option of [
      '-H, --header',
      '-X, --method',
      '-d, --data',
      '@-',
      '--last-event-id',
      '--event',
      '--max-events',
      '--timeout',
      '--inactivity-timeout',
      '--no-reconnect',
      '--retry-limit',
      '--retry N',
      '--json',
      '--pretty',
      '-v, --verbose',
      '--help',
      '--version',
    ]) {
      expect(result.stdout).toContain(option)
    }
    const exits = result.stdout.slice(result.stdout.indexOf('Exit codes:'))
    for (const code of [0, 1, 2, 3, 4, 5, 6, 124, 130]) expect(exits).toMatch(new RegExp(`\\n  ${code} +\\S`))
    expect(result.stdout).toMatch(/NO_COLOR/)
    expect(result.stdout).toMatch(/application\/json/)
    // What -v shows, and the backoff the reconnect tests measure.
    expect(result.stdout).toMatch(/comments and retry: lines/)
    expect(result.stdout).toMatch(/doubled[\s\S]*--inactivity-timeout counts\), up to 30 s[\s\S]*20 % jitter/)
    expect(result.stdout).toMatch(/Examples:\n\s+eventsource-kit /)
    expect(result.stderr).toBe('')
  })

  it('--version prints the package version', async () => {
    const result = await runCli(['--version'])
    expectExit(result, 0)
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string }
    expect(result.stdout).toBe(`${version}\n`)
  })
})
