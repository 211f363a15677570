/// <reference types="node" />
/**
 * HTTP/2 over TLS, negotiated by ALPN, with the streams to one origin sharing
 * one session: what makes an extra stream cost a few KiB instead of a socket,
 * a TLS state and an HTTP parser.
 *
 * The first request to an https origin opens a TLS connection offering
 * `h2, http/1.1`. When the server picks `h2`, that connection becomes the
 * origin's session; when it picks HTTP/1.1, the origin is remembered as such
 * and goes through the https agent from then on (the probe connection is
 * closed: one extra handshake per HTTP/1.1 origin and transport). Concurrent
 * first requests wait for the one probe.
 */
import http2 from 'node:http2'
import { isIP } from 'node:net'
import tls from 'node:tls'

/** TLS options passed to every https connection (a private CA in tests, a client certificate). */
export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>
  cert?: string | Buffer
  key?: string | Buffer
  rejectUnauthorized?: boolean
}

// A session is kept this long with no stream before it is closed, as
// undici keeps an idle keep-alive socket (4 s) and Node's agent (5 s).
const IDLE_CLOSE_MS = 5_000

// The receive window of each stream: large enough for 64 KiB events to flow
// without a WINDOW_UPDATE round trip per event, small enough that a reader
// that stops reading holds at most this much per stream.
const STREAM_WINDOW = 1 << 20

// Node's limit of a session's nghttp2 memory, in MB (default 10).
const SESSION_MEMORY_MB = 1024

interface Entry {
  session: http2.ClientHttp2Session
  /** The origin's `:authority`, one string for every stream on the session. */
  authority: string
  /** The `:path` of the last stream opened, shared with the next one that asks for the same. */
  path: string
  active: number
  idleTimer: NodeJS.Timeout | undefined
}

export class Http2Sessions {
  readonly #tls: TlsOptions
  /** Open sessions per origin; more than one only when a server's stream limit is reached. */
  readonly #sessions = new Map<string, Entry[]>()
  /** A probe under way per origin: its session, or `undefined` for an HTTP/1.1 origin. */
  readonly #probes = new Map<string, Promise<Entry | undefined>>()
  readonly #http1Origins = new Set<string>()

  constructor(tlsOptions: TlsOptions) {
    this.#tls = tlsOptions
  }

  /**
   * A session to open a stream on, or `undefined` when the origin speaks
   * HTTP/1.1. Rejects with the TLS or socket error of the probe.
   */
  async session(url: URL): Promise<Entry | undefined> {
    const origin = url.origin
    if (this.#http1Origins.has(origin)) return undefined
    const open = this.#sessions.get(origin)?.find((entry) => hasRoom(entry))
    if (open !== undefined) return open
    let probe = this.#probes.get(origin)
    if (probe === undefined) {
      probe = this.#probe(url).finally(() => this.#probes.delete(origin))
      this.#probes.set(origin, probe)
    }
    const entry = await probe
    // A burst beyond the new session's stream limit probes again.
    if (entry !== undefined && !hasRoom(entry)) return this.session(url)
    return entry
  }

  /** Counts a stream on `entry` until it closes; the session is unreferenced while it has none. */
  track(entry: Entry, stream: http2.ClientHttp2Stream): void {
    if (entry.active++ === 0) {
      clearTimeout(entry.idleTimer)
      entry.idleTimer = undefined
      entry.session.ref()
    }
    // `on`, not `once`: 'close' comes once, and an open stream then holds no once-wrapper.
    stream.on('close', () => {
      if (--entry.active > 0 || entry.session.destroyed) return
      entry.session.unref()
      entry.idleTimer = setTimeout(() => entry.session.close(), IDLE_CLOSE_MS).unref()
    })
  }

  /** Closes every session (streams on them end). */
  close(): void {
    for (const entries of this.#sessions.values()) for (const entry of entries) entry.session.destroy()
    this.#sessions.clear()
  }

  #probe(url: URL): Promise<Entry | undefined> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        ...this.#tls,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || 443),
        // SNI is for host names only (RFC 6066 §3).
        servername: isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? url.hostname : undefined,
        ALPNProtocols: ['h2', 'http/1.1'],
      })
      socket.once('error', reject)
      socket.once('secureConnect', () => {
        socket.off('error', reject)
        if (socket.alpnProtocol !== 'h2') {
          this.#http1Origins.add(url.origin)
          socket.destroy()
          resolve(undefined)
          return
        }
        const session = http2.connect(url.origin, {
          createConnection: () => socket,
          settings: { initialWindowSize: STREAM_WINDOW, enablePush: false },
          // Node refuses new streams (ENHANCE_YOUR_CALM) once a session's
          // nghttp2 bookkeeping passes 10 MB, which 10 000 open streams do;
          // what a stream may buffer is bounded by its window instead.
          maxSessionMemory: SESSION_MEMORY_MB,
        })
        const entry: Entry = { session, authority: url.host, path: '', active: 0, idleTimer: undefined }
        const list = this.#sessions.get(url.origin) ?? []
        list.push(entry)
        this.#sessions.set(url.origin, list)
        const forget = (): void => {
          clearTimeout(entry.idleTimer)
          const left = (this.#sessions.get(url.origin) ?? []).filter((e) => e !== entry)
          if (left.length === 0) this.#sessions.delete(url.origin)
          else this.#sessions.set(url.origin, left)
        }
        // A session that errs, is told to go away or closes takes no new stream.
        session.once('close', forget)
        session.once('goaway', forget)
        session.on('error', forget)
        session.unref()
        resolve(entry)
      })
    })
  }
}

function hasRoom(entry: Entry): boolean {
  const session = entry.session
  if (session.destroyed || session.closed) return false
  const limit = session.remoteSettings.maxConcurrentStreams ?? Number.POSITIVE_INFINITY
  return entry.active < limit
}

export type { Entry as Http2Entry }
