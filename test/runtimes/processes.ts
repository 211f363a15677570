// Small helpers for running a runtime binary and reading what it printed.

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './bundle.js'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Set when the binary could not be run at all (ENOENT, EACCES). */
  spawnError?: Error
  timedOut: boolean
}

export function run(command: string, args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Exit> {
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            child.kill('SIGKILL')
          }, options.timeoutMs)
    child.on('error', (spawnError) => {
      clearTimeout(timer)
      resolve({ code: null, signal: null, stdout, stderr, spawnError, timedOut })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, timedOut })
    })
  })
}

/** A one-line account of how a process ended, for failure messages. */
export function describeExit(exit: Exit): string {
  if (exit.spawnError !== undefined) return `could not run: ${exit.spawnError.message}`
  if (exit.timedOut) return 'killed after its time limit'
  const tail = `${exit.stderr}\n${exit.stdout}`.trim().split('\n').slice(-15).join('\n')
  return `exited with ${exit.signal ?? `code ${exit.code}`}${tail === '' ? '' : `:\n${tail}`}`
}

/**
 * The Node majors the package claims, each from its npm package (`node` and the `node22`/`node26`
 * aliases). Named by path, not `node_modules/.bin/node`: the three packages each declare the bin
 * `node`, and which one npm links there is npm's choice.
 */
export const NODE = {
  node22: join(ROOT, 'node_modules', 'node22', 'bin', 'node'),
  node24: join(ROOT, 'node_modules', 'node', 'bin', 'node'),
  node26: join(ROOT, 'node_modules', 'node26', 'bin', 'node'),
} as const

/** First line of `<binary> --version`, or undefined when it does not run. */
export async function versionOf(command: string, args: string[] = ['--version']): Promise<string | undefined> {
  const exit = await run(command, args, { timeoutMs: 30_000 })
  if (exit.code !== 0) return undefined
  return exit.stdout.trim().split('\n')[0]
}
