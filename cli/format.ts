/**
 * How an event looks on stdout: one JSON line for pipes (`--json`), or a
 * readable block for people, coloured only on a terminal.
 */

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
 * A readable block: a header line with the type and id, then the data —
 * pretty-printed when it is JSON, as sent otherwise — and a blank line.
 */
export function formatReadable(event: PrintedEvent, color: boolean): string {
  const header = `${paint(color, 'bold', paint(color, 'cyan', event.type))}${
    event.lastEventId === '' ? '' : paint(color, 'dim', `  id: ${event.lastEventId}`)
  }`
  return `${header}\n${prettyData(event.data)}\n\n`
}

function prettyData(data: string): string {
  const first = data.trimStart()[0]
  if (first === '{' || first === '[') {
    try {
      return JSON.stringify(JSON.parse(data), null, 2)
    } catch {
      // Not JSON after all: show it as sent.
    }
  }
  return data
}
