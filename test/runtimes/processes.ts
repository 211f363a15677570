// Small helpers for running a runtime binary and reading what it printed.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

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

/** The `node` on PATH that is not one of node_modules' (npm scripts put node@24 first). */
export function systemNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.split(/[\\/]/).includes('node_modules')) continue
    const candidate = join(dir, process.platform === 'win32' ? 'node.exe' : 'node')
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

/** First line of `<binary> --version`, or undefined when it does not run. */
export async function versionOf(command: string, args: string[] = ['--version']): Promise<string | undefined> {
  const exit = await run(command, args, { timeoutMs: 30_000 })
  if (exit.code !== 0) return undefined
  return exit.stdout.trim().split('\n')[0]
}
