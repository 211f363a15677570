import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseQuery } from './query.js'
import { preflight, resources } from './resources.js'
import { CookieState } from './state.js'

// One handler set served on two ports of 127.0.0.1: `base` is the origin a browser page lives on,
// `remote` stands in for upstream's `www2.`/`élève.` hosts in the cross-origin cases (a different
// port is a different origin). Both share one CookieState, as upstream's hosts share one wptserve.

export interface FixtureServer {
  /** Primary origin, e.g. `http://127.0.0.1:8000` (no trailing slash). */
  base: string
  /** Second origin on another port, for the cross-origin cases. */
  remote: string
  close(): Promise<void>
}

export interface FixtureOptions {
  /** Port of `base` (0 or absent: any free port); `remote` takes any free port. */
  port?: number
  /** JavaScript served at `/eventsource/runner.js` for the browser runner page. */
  runnerScript?: string
}

// The runner page lives in `/eventsource/` so that relative URLs in the cases
// (`resources/message.py`) resolve exactly as they do from upstream's test files.
const RUNNER_PAGE = '<!doctype html><meta charset="utf-8"><title>eventsource-kit WPT runner</title><script src="runner.js"></script>\n'

/** The resources that opt into CORS, and so answer preflights (see `preflight`). */
const CORS_RESOURCES = new Set(['/eventsource/resources/cors.py', '/eventsource/resources/cors-cookie.py'])

function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })
}

export async function startFixtureServer(options: FixtureOptions = {}): Promise<FixtureServer> {
  const state = new CookieState()
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const isPreflight = req.method === 'OPTIONS' && CORS_RESOURCES.has(path)
    const resource = isPreflight ? preflight : resources[path]
    if (resource !== undefined) {
      resource({ req, res, query: parseQuery(req.url ?? ''), state }).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end(String(error))
      })
    } else if (path === '/eventsource/runner.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(RUNNER_PAGE)
    } else if (path === '/eventsource/runner.js' && options.runnerScript !== undefined) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(options.runnerScript)
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such fixture\n')
    }
  }
  const servers = [createServer(handle), createServer(handle)] as const
  const base = await listen(servers[0], options.port ?? 0)
  const remote = await listen(servers[1], 0)
  return {
    base,
    remote,
    close: async () => {
      // message2.py and clients mid-reconnect keep sockets open; drop them so close() returns.
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve())
              server.closeAllConnections()
            }),
        ),
      )
    },
  }
}
