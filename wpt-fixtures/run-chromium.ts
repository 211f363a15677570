import { fileURLToPath } from 'node:url'
import chromium from '@sparticuz/chromium'
import * as esbuild from 'esbuild'
import { type Browser, chromium as playwright } from 'playwright-core'
import type { Outcome } from './case-kit.js'
import type { Variant } from './client.js'
import { type TargetResults, runTarget } from './results.js'
import { startFixtureServer } from './server.js'

// The `chromium` and `chromium-native` targets: the same case code, bundled with this project's
// EventSource, run in a Chromium page served from the fixture server's `base` origin (so
// same-origin, cookies and CORS are the browser's own). `chromium-native` hands the cases the
// browser's EventSource instead: it is the reference that proves the fixtures right. `chromium-lite`
// runs them against eventsource-kit/lite.

/** The page script: the cases, the case kit and the client, for the browser. */
export async function bundleRunner(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  })
  const file = result.outputFiles[0]
  if (file === undefined) throw new Error('esbuild produced no bundle')
  return file.text
}

/**
 * @sparticuz/chromium's default flags are for AWS Lambda. Two are dropped: `--disable-web-security`
 * turns off CORS and lets cookies through on non-credentialed cross-origin requests — exactly what
 * the cross-origin and credentials cases check — and `--single-process` crashes the browser when
 * two contexts run many pages at once.
 */
const DROPPED = new Set(['--disable-web-security', '--single-process'])
export const CHROMIUM_ARGS = chromium.args.filter((arg) => !DROPPED.has(arg))

export async function launchChromium(): Promise<Browser> {
  return playwright.launch({ executablePath: await chromium.executablePath(), args: CHROMIUM_ARGS, headless: true })
}

const TARGET_OF = { plus: 'chromium', native: 'chromium-native', lite: 'chromium-lite' } as const

export async function runChromium(
  browser: Browser,
  variant: Variant,
  options: { runnerScript?: string; concurrency?: number } = {},
): Promise<TargetResults> {
  const server = await startFixtureServer({ runnerScript: options.runnerScript ?? (await bundleRunner()) })
  // One context per target: its own cookie jar, as cookies on 127.0.0.1 ignore the port.
  const context = await browser.newContext()
  try {
    const runOne = async (name: string): Promise<Outcome> => {
      // One page per case: window.stop() and leftover connections cannot touch another case.
      const page = await context.newPage()
      try {
        await page.goto(`${server.base}/eventsource/runner.html`)
        return await page.evaluate(([n, v, remote]) => window.runWptCase(n, v, remote), [name, variant, server.remote] as const)
      } catch (error) {
        return { status: 'fail', message: `runner: ${error instanceof Error ? error.message : String(error)}` }
      } finally {
        await page.close()
      }
    }
    return await runTarget(TARGET_OF[variant], (c) => runOne(c.name), options.concurrency ?? Number(process.env.WPT_CONCURRENCY ?? 12))
  } finally {
    await context.close()
    await server.close()
  }
}
