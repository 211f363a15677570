// The server of test/node/tabs.test.ts: one origin on 127.0.0.1 serving the tab page, the library
// bundled for it, and numbered event streams that resume after `Last-Event-ID`, logging every
// request (the tab that made it, its Last-Event-ID, when) so a test can count connections.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

export interface LoggedStreamRequest {
  key: string
  /** The `x-tab` header: the tab whose function `headers` option ran. */
  tab: string | undefined
  lastEventId: string | undefined
  /** `performance.now()` of this process. */
  at: number
  /** The highest event number any earlier response had written: what the server resends is this minus Last-Event-ID. */
  sentBefore: number
  closedAt?: number
}

export interface StreamState {
  /** The highest event number written to any response. */
  sent: number
  requests: LoggedStreamRequest[]
  released: boolean
  waiters: Array<() => void>
}

export interface TabsServer {
  origin: string
  /** The paths of the scripts other than client.js the pages fetched, in order: its static chunks as a page loads, the sharing chunk when a source asks for it. */
  chunks: string[]
  page(name: string): string
  stream(key: string): StreamState
  /** Lets `/events/<key>?gated` start sending. */
  release(key: string): void
  close(): Promise<void>
}

/**
 * The page's scripts by path: the main entry (`share` needs no other import),
 * setting `window.ES`, split as a bundler ships it, so the sharing code is a
 * chunk of its own that the page fetches by `import()` (`client.js` and
 * `shared-connection-<hash>.js`; logged in `chunks`).
 */
async function bundleClient(): Promise<Map<string, string>> {
  const outdir = fileURLToPath(new URL('./.client', import.meta.url))
  const result = await esbuild.build({
    entryPoints: { client: fileURLToPath(new URL('./client-entry.ts', import.meta.url)) },
    bundle: true,
    splitting: true,
    outdir,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  })
  return new Map(result.outputFiles.map((file) => [`/${relative(outdir, file.path)}`, file.text]))
}

/**
 * `/events/<key>?total=&batch=&every=&idEvery=&ids=&pad=&end=&retry=&gated&holdAt=&backlog&backlogDelay=`: events `n` (data `n`; id `n`
 * when `idEvery` divides it, default every event, or when `ids` (a comma list) names it; `pad`
 * spaces after `n`, which Number() ignores, to make events big) from
 * Last-Event-ID + 1 to `total`, `batch` per write every `every` ms; then `end=close` ends the body
 * (`end=first`: only for a request without Last-Event-ID), else it stays open. `backlog`: a request with
 * Last-Event-ID gets what was sent before it in its first write (after `backlogDelay` ms), and in
 * each later one what was sent to others since, as a server replays a backlog. `retry` sends a `retry:` field first. `gated` waits for `release(key)`; `holdAt=N` (with `batch=1`) does after event N.
 */
export async function startTabsServer(): Promise<TabsServer> {
  const scripts = await bundleClient()
  const chunks: string[] = []
  const streams = new Map<string, StreamState>()
  const state = (key: string): StreamState => {
    let s = streams.get(key)
    if (s === undefined) streams.set(key, (s = { sent: 0, requests: [], released: false, waiters: [] }))
    return s
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname.endsWith('.html')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/client.js"></script>')
      return
    }
    const script = scripts.get(url.pathname)
    if (script !== undefined) {
      if (url.pathname !== '/client.js') chunks.push(url.pathname)
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script)
      return
    }
    const match = /^\/events\/([\w-]+)$/.exec(url.pathname)
    if (match === null) return void res.writeHead(404).end()
    const key = match[1] as string
    const s = state(key)
    const header = req.headers['last-event-id']
    const logged: LoggedStreamRequest = { key, tab: req.headers['x-tab'] as string | undefined, lastEventId: header as string | undefined, at: performance.now(), sentBefore: s.sent }
    s.requests.push(logged)
    const q = (name: string, fallback: number): number => Number(url.searchParams.get(name) ?? fallback)
    const total = q('total', 0)
    const batch = q('batch', 1)
    const every = q('every', 10)
    const idEvery = q('idEvery', 1)
    const ids = url.searchParams.has('ids') ? new Set((url.searchParams.get('ids') as string).split(',').map(Number)) : undefined
    const pad = ' '.repeat(q('pad', 0))
    const hasId = (n: number): boolean => (ids === undefined ? n % idEvery === 0 : ids.has(n))
    let next = (header === undefined ? 0 : Number(header)) + 1
    let timer: ReturnType<typeof setTimeout> | undefined
    res.on('close', () => {
      logged.closedAt = performance.now()
      clearTimeout(timer)
    })
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
    res.write(url.searchParams.has('retry') ? `retry: ${url.searchParams.get('retry')}\n\n` : ': hi\n\n')
    const holdAt = url.searchParams.has('holdAt') ? q('holdAt', 0) : undefined
    const backlog = url.searchParams.has('backlog') && header !== undefined
    let snapshot: number | undefined = s.sent
    const pump = (): void => {
      if (res.destroyed) return
      // Quiet after event `holdAt` until release(key), in every response.
      if (next === (holdAt as number) + 1 && !s.released) return void s.waiters.push(pump)
      let text = ''
      const count = backlog ? Math.max(batch, (snapshot ?? s.sent) - next + 1) : batch
      snapshot = undefined
      for (let i = 0; i < count && next <= total; i++, next++) text += `${hasId(next) ? `id: ${next}\n` : ''}data: ${next}${pad}\n\n`
      if (text !== '') {
        res.write(text)
        s.sent = Math.max(s.sent, next - 1)
      }
      if (next <= total) timer = setTimeout(pump, every)
      else if (url.searchParams.get('end') === 'close' || (url.searchParams.get('end') === 'first' && header === undefined)) res.end()
    }
    if (url.searchParams.has('gated') && !s.released) s.waiters.push(pump)
    else if (backlog) timer = setTimeout(pump, q('backlogDelay', 0))
    else pump()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    chunks,
    page: (name) => `${origin}/${name}.html`,
    stream: state,
    release(key) {
      const s = state(key)
      s.released = true
      for (const waiter of s.waiters.splice(0)) waiter()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
