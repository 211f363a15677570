// Chromium targets: each test file, bundled as a classic script, runs in a fresh page — or, for the
// worker targets, in a dedicated worker that page starts, or a service worker it registers, from
// the same script (a new browser context per file, so no registration outlives its file). Test files are
// served by a small static server; the WPT suite instead runs from the WPT fixture server's
// `/eventsource/runner.html`, so that its page (and worker) lives on the origin the ported cases
// expect, as in upstream's `/eventsource/` directory.

import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import type { FileResult, ShimConfig } from './shim.js'

// The browser as users have it: the same launch (and dropped Lambda flags) as the conformance run.
export { launchChromium } from '../../wpt-fixtures/run-chromium.js'

export interface StaticFiles {
  origin: string
  /** URL of a page that loads `script`. */
  pageFor(name: string, script: string): string
  close(): Promise<void>
}

/** Serves `/<name>.html` (a page loading `/<name>.js`) and `/<name>.js`. */
export async function serveScripts(): Promise<StaticFiles> {
  const scripts = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')
    const name = path.slice(1).replace(/\.(html|js)$/, '')
    const script = scripts.get(name)
    if (script === undefined) res.writeHead(404).end()
    else if (path.endsWith('.html'))
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><title>${name}</title><script src="${name}.js"></script>\n`)
    else res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    pageFor(name, script) {
      scripts.set(name, script)
      return `${origin}/${name}.html`
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Where in Chromium a test file runs: the page itself, a dedicated worker, a service worker. */
export type BrowserScope = 'page' | 'worker' | 'serviceworker'

/** Opens `pageUrl` (with `?worker` or `?serviceworker` for the worker targets) in a new context
 *  and waits for the file's result; anything that stops the page from reporting becomes an error
 *  of the file. */
export async function runPage(browser: Browser, file: string, pageUrl: string, config: ShimConfig, scope: BrowserScope, timeoutMs: number): Promise<FileResult> {
  const context = await browser.newContext()
  const pageErrors: string[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await context.addInitScript((c) => {
      globalThis.__runtimesShim = c
    }, config)
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`))
    page.on('crash', () => pageErrors.push('page crashed'))
    await page.goto(scope === 'page' ? pageUrl : `${pageUrl}?${scope}`)
    const result = await Promise.race([
      page.evaluate(() => window.__runtimesDone),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs / 1000} s`)), timeoutMs)
      }),
    ])
    // The shim reports the page's own unhandled errors; pageErrors matter when it never ran.
    return result ?? { file, tests: [], errors: ['the page never started the test file', ...pageErrors] }
  } catch (error) {
    return { file, tests: [], errors: [`browser: ${error instanceof Error ? error.message : String(error)}`, ...pageErrors] }
  } finally {
    clearTimeout(timer)
    await context.close()
  }
}
