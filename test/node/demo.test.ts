// NODE-ONLY (spawns the demo, the demo server and npm; not part of the cross-runtime suite).
//
// Issue 8: `npm start` on a fresh checkout builds and runs the demo, which
// shows a clear 401 for a wrong token, an answer streamed over POST that the
// server cuts mid-way and the client resumes with Last-Event-ID, and exits 0
// by itself. The demo server also runs alone (`npm run demo:server`) and
// answers GET /feed and POST /v1/chat, which the README's command-line
// examples use.

import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ANSWER, DEMO_TOKEN } from '../../cli/demo-server.js'
import { EventStreamError, fetchEvents, type StreamEvent } from '../../src/index.js'
import { privateBuild, ROOT, type PrivateBuild } from './private-build.js'

let build: PrivateBuild
beforeAll(() => {
  build = privateBuild('demo')
})
afterAll(() => {
  build.remove()
})

/** Started here and killed (by process group) after each test, if still running. */
const running = new Set<ChildProcess>()
afterEach(() => {
  for (const child of running) killGroup(child)
  running.clear()
})

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    // npm runs the script through a shell: the group takes the node grandchild too.
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

interface Run {
  child: ChildProcess
  output: () => { stdout: string; stderr: string }
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function start(command: string, args: string[], cwd: string): Run {
  // Detached: its own process group, so npm's shell and node go together.
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  return { child, output: () => ({ stdout, stderr }), exited }
}

/** Waits for the run to exit by itself within `limit` ms (killing it otherwise). */
async function finished(run: Run, limit: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const killer = setTimeout(() => killGroup(run.child), limit)
  const { code } = await run.exited
  clearTimeout(killer)
  return { code, ...run.output() }
}

/** The origin a demo server prints in its first line. */
async function originOf(run: Run, limit = 10_000): Promise<string> {
  const deadline = performance.now() + limit
  for (;;) {
    const match = /Demo SSE server on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stdout)
    if (match?.[1] !== undefined) return match[1]
    if (run.child.exitCode !== null || performance.now() > deadline) {
      const { stdout, stderr } = run.output()
      throw new Error(`the demo server did not start:\n${stdout}\n${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The demo's output → the answer text as printed, with the status lines around it removed. */
function printedAnswer(stdout: string): string {
  const section = stdout.slice(stdout.indexOf('2. '), stdout.indexOf('✓ the whole answer'))
  return section
    .split('\n')
    .slice(1) // the "2. …" heading
    .filter((line) => !/^\s*(→|✂)/.test(line))
    .join('')
    .trim()
    .replace(/\s+/g, ' ')
}

function checkDemoOutput(result: { code: number | null; stdout: string; stderr: string }): void {
  const transcript = `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`
  expect(result.code, transcript).toBe(0)
  // A wrong token: one request, a clear 401, no retry loop.
  const wrongToken = result.stdout.slice(result.stdout.indexOf('1. '), result.stdout.indexOf('2. '))
  expect(wrongToken.match(/→ POST \/v1\/chat/g), transcript).toHaveLength(1)
  expect(wrongToken, transcript).toMatch(/EventStreamError 401/)
  // The resume: the second request of the answer carries Last-Event-ID.
  expect(result.stdout, transcript).toMatch(/connection dropped\n\s+→ POST \/v1\/chat with Last-Event-ID: \d+ \(resuming\)/)
  // The whole answer, as printed: no lost or repeated token.
  expect(printedAnswer(result.stdout), transcript).toBe(DEMO_ANSWER)
  expect(result.stdout, transcript).toContain('no token lost or repeated')
  expect(result.stderr, transcript).toBe('')
}

describe('npm start', () => {
  it('the demo (dist/cli/demo.js): 401, resume with Last-Event-ID, the whole answer, exit 0 by itself', async () => {
    const result = await finished(start(process.execPath, [build.demo], ROOT), 15_000)
    checkDemoOutput(result)
  })

  it('`npm start` on a fresh checkout (no dist/) builds, runs the demo and exits 0', async () => {
    // A copy of what a clone has (no dist/), sharing the installed node_modules,
    // so the build writes to the copy's dist/ and never races the shared one.
    const checkout = join(build.dir, 'checkout')
    mkdirSync(checkout)
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.cli.json', 'src', 'cli']) {
      cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true })
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir')
    try {
      const result = await finished(start('npm', ['start', '--silent'], checkout), 60_000)
      // npm may warn about the user's config on stderr; the demo itself prints nothing there.
      checkDemoOutput({ ...result, stderr: result.stderr.replace(/^npm warn .*\n/gm, '') })
    } finally {
      rmSync(checkout, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('the demo server alone', () => {
  async function demoServer(): Promise<string> {
    return originOf(start(process.execPath, [build.demoServer, '0'], ROOT))
  }

  it('`npm run demo:server` starts it and prints how to try the command line against it', async () => {
    const checkout = join(build.dir, 'checkout-server')
    mkdirSync(checkout)
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.cli.json', 'src', 'cli']) {
      cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true })
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir')
    try {
      // Port 0 (any free port) instead of the default 8080, which may be taken here.
      const run = start('npm', ['run', 'demo:server', '--silent', '--', '0'], checkout)
      const origin = await originOf(run, 30_000)
      expect(run.output().stdout).toContain(`npx eventsource-kit ${origin}/feed`)
      const response = await fetch(`${origin}/feed`)
      expect(response.headers.get('content-type')).toBe('text/event-stream')
      await response.body?.cancel()
    } finally {
      rmSync(checkout, { recursive: true, force: true })
    }
  }, 60_000)

  it('GET /feed: tick events with ids, resuming after Last-Event-ID', async () => {
    const origin = await demoServer()
    const ticks: Array<{ id: string; data: unknown }> = []
    for await (const event of fetchEvents(`${origin}/feed`, { lastEventId: '41' })) {
      ticks.push({ id: event.lastEventId, data: JSON.parse(event.data) as unknown })
      expect(event.type).toBe('tick')
      if (ticks.length === 2) break
    }
    expect(ticks.map((tick) => tick.id)).toEqual(['42', '43'])
    expect(ticks[0]?.data).toMatchObject({ tick: 42 })
  })

  it('POST /v1/chat: 401 for a wrong token; the answer, whole, through a drop and a resume', async () => {
    const origin = await demoServer()
    const chat = (token: string, fetchImpl: typeof fetch = fetch): AsyncIterable<StreamEvent> =>
      fetchEvents(`${origin}/v1/chat`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: '{"prompt":"hi"}',
        fetch: fetchImpl,
      })

    const failure = await (async () => {
      for await (const _ of chat('wrong')) return 'an event'
      return 'no error'
    })().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(EventStreamError)
    expect((failure as EventStreamError).status).toBe(401)

    const resumedFrom: Array<string | null> = []
    const recordingFetch: typeof fetch = (input, init) => {
      resumedFrom.push(new Headers(init?.headers).get('last-event-id'))
      return fetch(input, init)
    }
    let answer = ''
    let ended = false
    for await (const event of chat(DEMO_TOKEN, recordingFetch)) {
      if (event.type === 'done') {
        ended = true
        break
      }
      answer += (JSON.parse(event.data) as { token: string }).token
    }
    expect(ended).toBe(true)
    expect(answer).toBe(DEMO_ANSWER)
    expect(resumedFrom).toHaveLength(2)
    expect(resumedFrom[0]).toBeNull()
    expect(resumedFrom[1]).toMatch(/^\d+$/)
  })

  it('anything else: 404 with a hint', async () => {
    const origin = await demoServer()
    const response = await fetch(`${origin}/nope`)
    expect(response.status).toBe(404)
    expect(await response.text()).toContain('/v1/chat')
  })

  // The README's two command-line examples, against this server instead of :8080.
  it('README: `npx eventsource-kit <origin>/feed` prints ticks', async () => {
    const origin = await demoServer()
    const result = await finished(start(process.execPath, [build.cli, '-n', '2', `${origin}/feed`], ROOT), 10_000)
    expect(result.code, result.stderr).toBe(0)
    // The data exactly as the server sent it (the CLI no longer re-formats JSON).
    expect(result.stdout).toMatch(/^tick {2}id: 0\n\{"tick":0,"time":"[^"]+"\}\n\ntick {2}id: 1\n/)
  })

  it("README: `npx eventsource-kit --json -H 'Authorization: Bearer demo-token' -d … /v1/chat` prints the answer once, through the drop, and exits 0", async () => {
    const origin = await demoServer()
    const result = await finished(
      start(
        process.execPath,
        [build.cli, '--json', '-H', `Authorization: Bearer ${DEMO_TOKEN}`, '-d', '{"prompt":"hi"}', `${origin}/v1/chat`],
        ROOT,
      ),
      10_000,
    )
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: string; lastEventId: string })
    const tokens = events.filter((event) => event.type === 'message')
    expect(tokens.map((event) => (JSON.parse(event.data) as { token: string }).token).join('')).toBe(DEMO_ANSWER)
    expect(tokens.map((event) => event.lastEventId)).toEqual(tokens.map((_, index) => String(index)))
    expect(events[events.length - 1]).toMatchObject({ type: 'done', data: '[DONE]' })
    // 300 ms from retry:, plus the CLI's up to 20 % jitter.
    expect(result.stderr).toMatch(/reconnecting in 3[0-5]\d ms/)
  })
})
