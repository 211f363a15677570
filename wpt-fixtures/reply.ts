import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseQuery, text } from './query.js'

// How a fixture handler answers. wptserve semantics: a status with its reason phrase, headers in
// order, then the body is written and the response ends — which is what makes an EventSource
// "reestablish the connection".

export interface Reply {
  status: number
  /** Reason phrase; upstream handlers choose some ("OPEN", "TEST", "HAHAHAHA"). */
  reason?: string
  headers: Array<[string, string]>
  body: Buffer
}

export const EVENT_STREAM = 'text/event-stream'

export function eventStream(body: Buffer | string, status = 200, reason?: string): Reply {
  return {
    status,
    ...(reason === undefined ? {} : { reason }),
    headers: [['Content-Type', EVENT_STREAM]],
    body: typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Chunk boundaries requested with `split=<offset>[,<offset>…]` (or `split=every` for one byte per
 * chunk). This is this project's extension, not upstream: the byte-level parser check replays every
 * parser fixture cut at every boundary, through a real HTTP response, to prove the client's
 * decode+parse path does not depend on how the network chunks the body.
 */
function chunks(body: Buffer, split: string | undefined): Buffer[] {
  if (split === undefined || split === '') return [body]
  const cuts =
    split === 'every'
      ? Array.from({ length: body.length - 1 }, (_, i) => i + 1)
      : split.split(',').map(Number).filter((n) => n > 0 && n < body.length)
  const out: Buffer[] = []
  let from = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    out.push(body.subarray(from, cut))
    from = cut
  }
  out.push(body.subarray(from))
  return out
}

/** Writes `reply`, honouring `split`/`split_delay` so each chunk reaches the client on its own. */
export async function send(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
  const parts = requestedChunks(req, reply.body)
  // An unsplit body goes out with a Content-Length, as wptserve sends it (never on a 204, which
  // must not carry one).
  const sized = parts.length === 1 && reply.status !== 204
  const length: Array<[string, string]> = sized ? [['Content-Length', String(reply.body.length)]] : []
  res.writeHead(reply.status, reply.reason, [...reply.headers, ...length].flat())
  await writeChunks(req, res, parts)
  res.end()
}

/** Writes `body` in the chunks the request's `split` asks for (one write when it asks for none). */
export async function writeBody(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  await writeChunks(req, res, requestedChunks(req, body))
}

function requestedChunks(req: IncomingMessage, body: Buffer): Buffer[] {
  const query = parseQuery(req.url ?? '')
  return chunks(body, query.has('split') ? text(query, 'split', '') : undefined)
}

async function writeChunks(req: IncomingMessage, res: ServerResponse, parts: Buffer[]): Promise<void> {
  if (parts.length === 1) {
    res.write(parts[0] as Buffer)
    return
  }
  // A gap between writes keeps the kernel from coalescing two chunks into one read (Nagle is
  // already off: Node's http server sets noDelay).
  const gap = Number(text(parseQuery(req.url ?? ''), 'split_delay', '2'))
  res.flushHeaders()
  for (const part of parts) {
    if (res.destroyed) return
    res.write(part)
    await sleep(gap)
  }
}
