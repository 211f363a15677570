/**
 * The resume-soak server: numbered events with ids, resuming after the
 * request's `Last-Event-ID`, that cuts the connection at random byte offsets
 * — before the status line, right after it, mid-line, mid-UTF-8 character,
 * between the CR and LF of a line end, after a whole event — and counts what
 * it did, so the client's tally can be checked against it.
 *
 * Everything random comes from one seeded generator, so a failing run can be
 * replayed with its seed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** Seeded PRNG (mulberry32): fast, and good enough to pick offsets. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The data of event `n`: multibyte characters (so cuts land inside them), a second line every fifth event, a big one every 97th. */
export function payloadOf(n: number): string {
  const filler = 'x'.repeat((n * 7919) % 61)
  const big = n % 97 === 0 ? 'é'.repeat(12_000) : ''
  const text = `${n} é€😀 ${filler}${big}`
  return n % 5 === 0 ? `${text}\nsecond line of ${n}` : text
}

/** The type of event `n`: every seventh is named, so named dispatch is soaked too. */
export function typeOf(n: number): string {
  return n % 7 === 0 ? 'tick' : 'message'
}

/** Line ends rotate per event, so every kind of terminator gets cut. */
const LINE_ENDS = ['\n', '\r\n', '\r'] as const

/** The bytes of event `n` on the wire. */
function frameOf(n: number): string {
  const eol = LINE_ENDS[n % 3] as string
  const type = typeOf(n) === 'message' ? '' : `event: ${typeOf(n)}${eol}`
  const data = payloadOf(n)
    .split('\n')
    .map((line) => `data: ${line}${eol}`)
    .join('')
  // A comment now and then: ignored by the client, but it moves cut offsets.
  const comment = n % 11 === 0 ? `: keep-alive ${n}${eol}` : ''
  return `${comment}id: ${n}${eol}${type}${data}${eol}`
}

/** How one response ended. */
export type CutKind =
  | 'before-headers'
  | 'after-headers'
  | 'after-retry-field'
  | 'mid-line'
  | 'mid-utf8'
  | 'between-cr-lf'
  | 'after-event'
  | 'random-offset'
  | 'clean-end'

export interface SoakServerOptions {
  /** Events 1..total exist. */
  total: number
  seed: number
  /**
   * `resumable-only`: never cut before the client can resume (no cut before a
   * whole event when the request has no Last-Event-ID) and never end cleanly
   * before the last event — what `fetchEvents()` needs, since a clean end ends
   * its iteration and a cut without an id cannot be resumed.
   */
  mode: 'any' | 'resumable-only'
  /** Most events per response before the cut (uniform 1..max). */
  maxEventsPerResponse: number
}

export interface SoakServerStats {
  requests: number
  /** Connections the server broke (everything but clean ends and the final response). */
  cuts: number
  /** Responses by how they ended; `clean-end` is a normal end of body, counted here but not in `cuts`. */
  cutsByKind: Record<CutKind, number>
  /** Complete event frames written, re-sends included. */
  framesWritten: number
  /** Requests whose Last-Event-ID did not name an event the server sent (a client bug). */
  badLastEventIds: number
}

export interface SoakServer {
  url: string
  stats: SoakServerStats
  /** Open sockets right now (the final response stays open until the client closes). */
  openSockets(): number
  close(): Promise<void>
}

export async function startSoakServer(options: SoakServerOptions): Promise<SoakServer> {
  const random = createRandom(options.seed)
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1))
  const encoder = new TextEncoder()
  const stats: SoakServerStats = {
    requests: 0,
    cuts: 0,
    cutsByKind: {
      'before-headers': 0,
      'after-headers': 0,
      'after-retry-field': 0,
      'mid-line': 0,
      'mid-utf8': 0,
      'between-cr-lf': 0,
      'after-event': 0,
      'random-offset': 0,
      'clean-end': 0,
    },
    framesWritten: 0,
    badLastEventIds: 0,
  }
  const sockets = new Set<Socket>()

  function cut(kind: CutKind, socket: Socket): void {
    stats.cuts++
    stats.cutsByKind[kind]++
    socket.destroy()
  }

  /** Writes `bytes` in 1–3 pieces (so the client reads them apart) and calls `then` once they reached the kernel. */
  function writeInPieces(res: ServerResponse, bytes: Uint8Array, then: () => void): void {
    const pieces = int(1, 3)
    let start = 0
    for (let i = 1; i <= pieces; i++) {
      const end = i === pieces ? bytes.length : int(start, bytes.length)
      const last = i === pieces
      // Only the last write's callback matters: writes complete in order.
      res.write(bytes.subarray(start, end), last ? () => then() : undefined)
      start = end
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    stats.requests++
    const socket = req.socket
    const header = req.headers['last-event-id']
    const lastId = header === undefined ? 0 : Number(header)
    if (!Number.isInteger(lastId) || lastId < 0 || lastId > options.total) stats.badLastEventIds++
    const next = lastId + 1
    const canCutEarly = options.mode === 'any' || lastId > 0

    // Cuts that happen before any event can be delivered.
    const early = random()
    if (canCutEarly && early < 0.04) return cut('before-headers', socket)
    const retry = `retry: ${int(1, 5)}\n`
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
    if (canCutEarly && early < 0.07) {
      res.flushHeaders()
      // Let the status line reach the client, so it sees a response, then break it.
      res.write('', () => cut('after-headers', socket))
      return
    }
    if (canCutEarly && early < 0.09) {
      res.write(retry, () => cut('after-retry-field', socket))
      return
    }

    // A run of events, then a cut inside it (or the end of the stream).
    const count = Math.min(int(1, options.maxEventsPerResponse), options.total - next + 1)
    const isLast = next + count - 1 >= options.total
    const frames: string[] = [retry]
    for (let n = next; n < next + count; n++) frames.push(frameOf(n))
    const bytes = encoder.encode(frames.join(''))

    if (isLast && random() < 0.5) {
      // The final response: everything, then either a clean end (fetchEvents'
      // iteration ends there) or an open stream the client closes.
      stats.framesWritten += count
      if (options.mode === 'resumable-only') {
        res.end(bytes)
      } else {
        res.write(bytes)
      }
      return
    }
    if (options.mode === 'any' && random() < 0.05) {
      // A clean end mid-stream: EventSource reestablishes as after any end.
      stats.framesWritten += count
      stats.cutsByKind['clean-end']++
      res.end(bytes)
      return
    }

    // Where to cut. The first allowed offset keeps a request without
    // Last-Event-ID resumable in `resumable-only` mode: one whole event first.
    const minOffset = canCutEarly ? 1 : encoder.encode(retry + frameOf(next)).length
    const { kind, offset } = pickCut(bytes, minOffset)
    stats.framesWritten += completeFrames(bytes.subarray(0, offset), next)
    writeInPieces(res, bytes.subarray(0, offset), () => cut(kind, socket))
  }

  /** Chooses a cut point of a random kind, falling back to any offset when the text has none of that kind. */
  function pickCut(bytes: Uint8Array, minOffset: number): { kind: CutKind; offset: number } {
    const kinds: CutKind[] = ['mid-line', 'mid-utf8', 'between-cr-lf', 'after-event', 'random-offset']
    const kind = kinds[int(0, kinds.length - 1)] as CutKind
    const candidates: number[] = []
    // Sample a window of the body instead of scanning all of it: cheap, still random.
    const from = int(minOffset, Math.max(minOffset, bytes.length - 1))
    const to = Math.min(bytes.length - 1, from + 2048)
    for (let i = from; i <= to; i++) {
      const byte = bytes[i] as number
      const previous = bytes[i - 1]
      if (kind === 'mid-utf8' && byte >= 0x80 && byte <= 0xbf) candidates.push(i)
      else if (kind === 'between-cr-lf' && previous === 0x0d && byte === 0x0a) candidates.push(i)
      else if (kind === 'mid-line' && previous !== undefined && previous !== 0x0a && previous !== 0x0d && byte !== 0x0a && byte !== 0x0d) candidates.push(i)
      else if (kind === 'after-event' && isBlankLineEnd(bytes, i)) candidates.push(i)
    }
    if (kind === 'random-offset' || candidates.length === 0) {
      return { kind: 'random-offset', offset: int(minOffset, Math.max(minOffset, bytes.length - 1)) }
    }
    return { kind, offset: candidates[int(0, candidates.length - 1)] as number }
  }

  const server: Server = createServer(handle)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/events`,
    stats,
    openSockets: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Whether offset `i` is just past a blank line (an event's end): the bytes before it end in two line ends. */
function isBlankLineEnd(bytes: Uint8Array, i: number): boolean {
  const a = bytes[i - 1]
  const b = bytes[i - 2]
  if (a === 0x0a && b === 0x0a) return true
  if (a === 0x0d && b === 0x0d) return bytes[i] !== 0x0a
  return a === 0x0a && b === 0x0d && (bytes[i - 3] === 0x0a || bytes[i - 3] === 0x0d)
}

/** How many whole events a prefix of a response holds (each ends with a blank line). */
function completeFrames(prefix: Uint8Array, first: number): number {
  const text = new TextDecoder().decode(prefix)
  let count = 0
  for (let n = first; ; n++) {
    const at = text.indexOf(frameOf(n))
    if (at === -1) return count
    count++
  }
}
