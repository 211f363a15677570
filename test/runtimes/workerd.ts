// Starts workerd (the npm `workerd` package: Cloudflare's Workers runtime) on one ES module
// Worker, on a port of 127.0.0.1 it picks itself, and stops it. Used by the `workerd` target
// (each portable test file as a Worker) and by the package smoke (the packed tarball, and the
// README's Workers example, bundled as wrangler would).

import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ROOT } from './bundle.js'

export const WORKERD = join(ROOT, 'node_modules', '.bin', 'workerd')

/**
 * Pinned, so a newer workerd from the caret range keeps the behaviour the suite was written
 * against; Workers take their behaviour from this date (compatibility flags default on by date).
 */
export const COMPATIBILITY_DATE = '2026-11-01'

export interface RunningWorker {
  /** `http://127.0.0.1:<port>` the Worker answers on. */
  origin: string
  /** Everything workerd printed so far (the Worker's console.log goes to stdout). */
  output(): string
  close(): Promise<void>
}

const capnpString = (value: string): string => JSON.stringify(value)

/**
 * Writes a workerd config next to `modulePath` and serves it. The Worker's `fetch()` goes out
 * through a network service that may reach 127.0.0.1: workerd's default outbound allows only
 * public addresses, and every fixture server of the suite is on loopback.
 */
export async function startWorker(modulePath: string, options: { bindings?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunningWorker> {
  const bindings = Object.entries(options.bindings ?? {})
    .map(([name, text]) => `(name = ${capnpString(name)}, text = ${capnpString(text)})`)
    .join(', ')
  const config = join(dirname(modulePath), `${basename(modulePath)}.capnp`)
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = (
      modules = [(name = ${capnpString(basename(modulePath))}, esModule = embed ${capnpString(basename(modulePath))})],
      compatibilityDate = ${capnpString(COMPATIBILITY_DATE)},
      bindings = [${bindings}],
      globalOutbound = "loopback",
    )),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
`,
  )
  let output = ''
  // --control-fd: workerd writes `{"event":"listen","socket":"http","port":N}` once it listens.
  const child = spawn(WORKERD, ['serve', config, '--control-fd=3'], { cwd: dirname(modulePath), stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  const control = child.stdio[3] as NodeJS.ReadableStream
  const port = await new Promise<number>((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`workerd did not listen within ${(options.timeoutMs ?? 30_000) / 1000} s:\n${output}`)), options.timeoutMs ?? 30_000)
    control.setEncoding('utf8')
    control.on('data', (chunk: string) => {
      text += chunk
      for (const line of text.split('\n')) {
        try {
          const event = JSON.parse(line) as { event?: string; port?: number }
          if (event.event === 'listen' && typeof event.port === 'number') {
            clearTimeout(timer)
            resolve(event.port)
          }
        } catch {
          // an incomplete line: wait for the rest
        }
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`workerd exited with ${signal ?? `code ${code}`} before listening:\n${output}`))
    })
  }).catch(async (error: unknown) => {
    await close()
    throw error
  })
  return { origin: `http://127.0.0.1:${port}`, output: () => output, close }
}
