/**
 * How an event looks on stdout: one JSON line for pipes (`--json`), or a
 * readable block for people, coloured only on a terminal.
 */

import { indentJson } from './pretty-json.js'

/** An event as the command line prints it. */
export interface PrintedEvent {
  type: string
  data: string
  lastEventId: string
}

/** One line of JSON, for `jq` and friends. */
export function formatJson(event: PrintedEvent): string {
  return `${JSON.stringify({ type: event.type, data: event.data, lastEventId: event.lastEventId })}\n`
}

const codes = { dim: [2, 22], bold: [1, 22], cyan: [36, 39], green: [32, 39], yellow: [33, 39], red: [31, 39] } as const
export type Style = keyof typeof codes

/** Paints text when `enabled` (a TTY), leaves it alone otherwise. */
export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled) return text
  const [open, close] = codes[style]
  return `\u001b[${open}m${text}\u001b[${close}m`
}

/**
 * Whether to colour a stream: `NO_COLOR` (any non-empty value, no-color.org)
 * always wins, then `FORCE_COLOR` (any value but `0`), then "is it a TTY".
 */
export function useColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  return isTTY === true
}

/**
 * A readable block: a header line with the type and id, then the data exactly
 * as received (or re-indented without changing a value, with `pretty`), and a
 * blank line.
 */
export function formatReadable(event: PrintedEvent, color: boolean, pretty = false): string {
  const header = `${paint(color, 'bold', paint(color, 'cyan', event.type))}${
    event.lastEventId === '' ? '' : paint(color, 'dim', `  id: ${event.lastEventId}`)
  }`
  const data = pretty ? (indentJson(event.data) ?? event.data) : event.data
  return `${header}\n${data}\n\n`
}
