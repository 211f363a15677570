/**
 * The demo SSE server: an LLM-style chat endpoint and a ticking feed, on
 * 127.0.0.1. `npm start` embeds it; `npm run demo:server` starts it alone so
 * the command line can be tried against it.
 *
 * - `POST /v1/chat` with `Authorization: Bearer demo-token` streams an answer
 *   token by token, each with an id; it honours `Last-Event-ID`, and drops the
 *   connection once mid-answer (the first time a client asks) so a resume can
 *   be seen. A wrong token gets 401. The stream ends with `event: done`.
 * - `GET /feed` sends a `tick` event every second, forever, with ids.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** The token the demo accepts. */
export const DEMO_TOKEN = 'demo-token'

/** The answer the chat endpoint streams, one word at a time. */
export const DEMO_ANSWER =
  'Server-Sent Events are a one-way stream of text events over plain HTTP, and an EventSource reconnects and resumes them for you.'

const TOKENS = DEMO_ANSWER.split(/(?<= )/)
// Where the first stream of the demo is cut: mid-answer.
const DROP_AFTER = 9

/** A running demo server. */
export interface DemoServer {
  origin: string
  close(): Promise<void>
}

/** Starts the demo server on `port` (0: any free port). */
export function startDemoServer(port = 0): Promise<DemoServer> {
  let dropped = false
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname === '/v1/chat' && request.method === 'POST') {
      // Read the body fully (a real server would parse the prompt from it).
      request.resume()
      request.on('end', () => {
        if (request.headers.authorization !== `Bearer ${DEMO_TOKEN}`) {
          response.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' })
          response.end('{"error":"invalid token"}')
          return
        }
        const from = resumeFrom(request)
        const dropNow = !dropped && from === 0
        if (dropNow) dropped = true
        streamAnswer(response, from, dropNow)
      })
      return
    }
    if (url.pathname === '/feed' && request.method === 'GET') {
      streamFeed(request, response)
      return
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' })
    response.end('Try POST /v1/chat or GET /feed\n')
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      const actualPort = typeof address === 'object' && address !== null ? address.port : port
      resolve({
        origin: `http://127.0.0.1:${actualPort}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

/** The index of the next token: one past the id the client last saw. */
function resumeFrom(request: IncomingMessage): number {
  const header = request.headers['last-event-id']
  const last = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : -1
  return last + 1
}

function streamAnswer(response: ServerResponse, from: number, dropMidway: boolean): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
  // A short reconnection time keeps the demo quick.
  response.write('retry: 300\n\n')
  let index = from
  const timer = setInterval(() => {
    if (dropMidway && index === DROP_AFTER) {
      clearInterval(timer)
      // Half an event, then the connection dies: the client must not see it.
      response.write(`id: ${index}\ndata: {"tok`)
      response.destroy()
      return
    }
    if (index >= TOKENS.length) {
      clearInterval(timer)
      response.end('event: done\ndata: [DONE]\n\n')
      return
    }
    response.write(`id: ${index}\ndata: ${JSON.stringify({ token: TOKENS[index] })}\n\n`)
    index++
  }, 40)
  response.on('close', () => clearInterval(timer))
}

function streamFeed(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
  let tick = resumeFrom(request)
  const send = (): void => {
    response.write(`event: tick\nid: ${tick}\ndata: {"tick":${tick},"time":"${new Date().toISOString()}"}\n\n`)
    tick++
  }
  send()
  const timer = setInterval(send, 1000)
  response.on('close', () => clearInterval(timer))
}

// `node dist/cli/demo-server.js [port]` starts it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8080)
  void startDemoServer(port).then(({ origin }) => {
    process.stdout.write(
      `Demo SSE server on ${origin}\n` +
        `  npx eventsource-kit ${origin}/feed\n` +
        `  npx eventsource-kit -H 'Authorization: Bearer ${DEMO_TOKEN}' -d '{"prompt":"hi"}' ${origin}/v1/chat\n`,
    )
  })
}
