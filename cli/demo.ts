/**
 * `npm start`: the whole library in one run, against the embedded demo
 * server. A wrong token fails at once with a clear 401 (no retry loop); the
 * right one streams an answer over POST, the server drops the connection
 * mid-answer, the client resumes with `Last-Event-ID`, and the answer arrives
 * whole — no lost or repeated token. Exits 0 when all of that held.
 */
import { EventStreamError, fetchEvents } from 'eventsource-kit'
import { DEMO_ANSWER, DEMO_TOKEN, startDemoServer } from './demo-server.js'

const log = (text: string): void => {
  process.stdout.write(`${text}\n`)
}

async function chat(origin: string, token: string): Promise<string> {
  let answer = ''
  // The answer streams onto one indented line, broken where a request is logged.
  let atLineStart = true
  for await (const event of fetchEvents(`${origin}/v1/chat`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'What are Server-Sent Events?' }),
    // Shows each request; the second one carries Last-Event-ID.
    fetch: (input, init) => {
      const resume = new Headers(init?.headers).get('last-event-id')
      if (resume === null) log('  → POST /v1/chat')
      else log(`\n  ✂ connection dropped\n  → POST /v1/chat with Last-Event-ID: ${resume} (resuming)`)
      atLineStart = true
      return fetch(input, init)
    },
  })) {
    if (event.type === 'done') break
    const { token: piece } = JSON.parse(event.data) as { token: string }
    answer += piece
    process.stdout.write(atLineStart ? `  ${piece}` : piece)
    atLineStart = false
  }
  return answer
}

async function main(): Promise<number> {
  const server = await startDemoServer()
  log(`Demo SSE server on ${server.origin}\n`)
  try {
    log('1. A wrong token: a clear 401, not a retry loop')
    try {
      await chat(server.origin, 'wrong-token')
      log('  ✗ expected a 401')
      return 1
    } catch (error) {
      if (!(error instanceof EventStreamError) || error.status !== 401) throw error
      log(`  ✓ EventStreamError ${error.status}: ${error.message}\n`)
    }

    log('2. Streaming an answer over POST with a bearer token (the server drops the connection mid-answer)')
    const answer = await chat(server.origin, DEMO_TOKEN)
    if (answer !== DEMO_ANSWER) {
      log(`  ✗ the answer differs from what the server sent:\n  ${answer}`)
      return 1
    }
    log(`\n  ✓ the whole answer, ${answer.split(' ').length} words, no token lost or repeated\n`)
    log('3. Clean end: the server ended the stream; nothing reconnects.')
    log(`\nTry the command line against the demo server: npm run demo:server, then\n  npx eventsource-kit http://127.0.0.1:8080/feed`)
    return 0
  } finally {
    await server.close()
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
