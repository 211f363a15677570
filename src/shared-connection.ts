/**
 * The `share` option (issue 17): the sources of every tab of an origin with
 * the same URL, `withCredentials` and share key hold one network connection
 * between them. Loaded by `import()` (connect.ts) when a source asks for it,
 * so pages that never share do not load it.
 *
 * The protocol, per key, over a Web Lock and a `BroadcastChannel` of the same
 * name:
 *
 * - Each realm has one {@link Hub} per key, which every local source joins.
 *   The hub that holds the lock (the leader) runs the one {@link Connection};
 *   its sink posts what happens on the channel and delivers it locally, by
 *   the same code that delivers what followers receive.
 * - Events are numbered, and the leader's numbering is anchored to the last
 *   event ID: a connection resuming after ID `x` numbers its first event one
 *   past the event that set `x`. Every hub delivers an event only when its
 *   number is past the last it delivered. So when the leader goes (closed,
 *   navigated, crashed: the browser frees its lock), the next hub to get the
 *   lock reconnects with the ID of the last event *it* delivered, and what
 *   the server resends is dropped where it was already seen, even in a tab
 *   that saw more than the new leader, or a message of the old leader that
 *   arrives after the hand-over. Each `events` message carries the number of
 *   the event that set the ID it ends with, so a hub that missed that event
 *   anchors where the leader does, not to the first event it saw with the
 *   ID. A stream without IDs cannot resume: its new connection numbers on
 *   from the last event this hub delivered.
 * - `open` and `error` are posted as they happen; a joining hub asks (`hello`)
 *   and the leader answers `open` when connected. `open` carries the
 *   leader's position, to which a hub that has seen no event yet anchors: a
 *   tab that joined during a quiet spell and then takes the lock resumes
 *   from the stream's last event ID, not its own empty one (which would
 *   replay the stream from the server's start, or number a live stream from
 *   1 while the other tabs drop what they already counted). A hub that takes
 *   the lock before any `open` or event reached it still starts from its
 *   own. A hand-over is quiet: sources that are OPEN stay so, and only a
 *   failing new connection fires `error`.
 * - A page entering the back/forward cache leaves (connection, lock,
 *   channel) and, restored, joins again (`#onPage`), its `hello` carrying
 *   the number of the last event it delivered. The leader keeps its last
 *   {@link RING_EVENTS} events (at most {@link RING_DATA} characters of data)
 *   and answers with those past that number, as one chunk; until the answer
 *   the restored hub drops what the channel brings, all of which the answer
 *   holds. When the ring no longer reaches back that far, the restored hub
 *   does what a plain source restored does: it connects on its own with its
 *   last event ID and delivers from that connection until it reaches where
 *   the leader was, then closes it and takes the channel's events again.
 * - A hub closes with its last source: the leader closes its connection and
 *   frees the lock, so another tab that still wants the stream takes it over.
 */
import type { EventSourceMessage } from 'eventsource-parser'
// What the entry has already (the connection class, the lifecycle, the
// default delay, ignore()) comes in as arguments or is written out, not
// imported: an import would make a bundler split those modules into a chunk
// of their own, which every page then loads as one more file
// (bench/bundle.mjs: +0.7 kB gzip). The ready-state constants are inlined.
import type { ChunkEvents, Connection, ConnectionError, ConnectionOptions, ConnectionSink } from './connection.js'
import type { SourceConnection } from './connect.js'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state.js'

/** What goes over the channel. */
type Message =
  /** A hub joined; restored from the back/forward cache, with the number of the last event it delivered. */
  | { t: 'hello'; n?: number }
  /**
   * The open leader's answer to a restored hub's hello at `n`: its `open`
   * (the hub's sources must be OPEN to take the events), the events it holds
   * past `n`, or `null` when its ring no longer reaches back to `n` (then the
   * `open`'s number, of the leader's last event, is where the hub's own
   * catch-up may stop).
   */
  | { t: 'replay'; n: number; o: Opened; e: Events | null }
  | Opened
  /** `error`, its response as status and content type (a Response does not clone). */
  | { t: 'error'; e: ConnectionError; s?: number | undefined; c?: string | null | undefined }
  /**
   * One chunk's events, numbered from `k`: [message, lastEventId] pairs, the
   * origin, the last event ID after the chunk and the number of the event
   * that set it, and the reconnection time.
   */
  | Events

/** `open`, with the leader's position: the number its events go on from, the ID it resumes from and the number of the event that set it. */
type Opened = { t: 'open'; n: number; i: string; a: number }

/** One chunk's events (see {@link Message}). */
type Events = { t: 'events'; k: number; p: Array<EventSourceMessage | string>; o: string; i: string; a: number; r: number }

/** A chunk in the leader's ring, with the length of its events' data. */
type Held = { events: Events; data: number }

/**
 * The bound of the leader's ring, whichever comes first: enough for a tab
 * cached a few minutes on a busy stream, without a leader holding an
 * unbounded share of memory for tabs that may never come back.
 */
const RING_EVENTS = 1000
const RING_DATA = 1 << 20

/**
 * A source's view of the connection shared under `key` (the `share` option);
 * connect.ts loads this module by `import()` only where Web Locks and
 * `BroadcastChannel` exist.
 */
export function shareConnection(
  options: ConnectionOptions,
  sink: ConnectionSink,
  key: true | string,
  connection: typeof Connection,
  watch: (connection: Connection) => Connection,
  delay: number,
): SourceConnection {
  const lead = (options: ConnectionOptions, sink: ConnectionSink): Connection => watch(new connection(options, sink))
  return new SharedSource(`eventsource-kit ${JSON.stringify([options.url, options.withCredentials, key])}`, options, sink, lead, delay)
}

/** How the leader makes its connection, under the page's lifecycle, from what the entry lends. */
type Lead = (options: ConnectionOptions, sink: ConnectionSink) => Connection

/** A realm's hubs by key: sources of one tab share one too. */
const hubs = new Map<string, Hub>()

/** The number of an event and the ID it left, as one cursor: where a stream with that ID resumes. */
class Cursor {
  /** The number of the last event. */
  n = 0
  /** The last event ID string, and the number of the event that set it. */
  id: string
  at = 0

  constructor(id: string) {
    this.id = id
  }

  /** Event `n` carried `id`. */
  step(n: number, id: string): void {
    this.n = n
    if (id !== this.id) {
      this.id = id
      this.at = n
    }
  }
}

/** A chunk of `connection`, numbered on from `stream`, as it goes over the channel. */
function numbered(stream: Cursor, chunk: ChunkEvents, connection: Connection): Events {
  const first = stream.n + 1
  const pending = chunk.pending.slice()
  for (let index = 1; index < pending.length; index += 2) stream.step(stream.n + 1, pending[index] as string)
  // An `id:` with no event after it moved the ID too.
  stream.step(stream.n, connection.lastEventId)
  return { t: 'events', k: first, p: pending, o: chunk.origin, i: connection.lastEventId, a: stream.at, r: connection.reconnectionTime }
}

/** One key's sources in this realm, and the connection while this realm holds the lock. */
class Hub implements ConnectionSink {
  readonly sources = new Set<SharedSource>()
  /** What this realm delivered. */
  readonly seen: Cursor
  /** The leader's own stream: what its connection numbered, and the ID it resumes from. */
  stream: Cursor | undefined
  connection: Connection | undefined
  reconnectionTime: number
  readonly #name: string
  readonly #options: ConnectionOptions
  readonly #lead: Lead
  // Of the current join: made anew when the page comes back from the back/forward cache.
  #channel!: BroadcastChannel
  #abort!: AbortController
  #release: (() => void) | undefined
  /** In the back/forward cache: out of the channel and the lock. */
  #away = false
  /** The leader's last chunks, oldest first, each with its events' data length, and the totals (the ring's bound). */
  #ring: Held[] = []
  #ringEvents = 0
  #ringData = 0
  /** Restored, the number it asked the leader for, until the leader's replay comes. */
  #restored: number | undefined
  /** Its own connection catching up after a replay the ring could not cover, and where to stop. */
  #catchUp: { connection: Connection; until: number } | undefined

  constructor(name: string, options: ConnectionOptions, lead: Lead, delay: number) {
    this.#name = name
    this.#options = options
    this.#lead = lead
    this.seen = new Cursor(options.lastEventId ?? '')
    this.reconnectionTime = delay
    this.#join()
    // Realms without pages (Node, Deno, workers) never fire these.
    if (typeof addEventListener === 'function') for (const type of ['pagehide', 'pageshow']) addEventListener(type, this.#onPage)
  }

  /** Listens on the channel and asks for the lock. */
  #join(): void {
    const channel = (this.#channel = new BroadcastChannel(this.#name))
    channel.onmessage = (event: MessageEvent<Message>) => this.#heard(event.data)
    const abort = (this.#abort = new AbortController())
    // Held until the hub closes or the page is cached; the browser frees it
    // when the tab goes. A grant that comes after its join was given up (a
    // race with the abort) is passed on at once.
    navigator.locks
      .request(this.#name, { signal: abort.signal }, () => new Promise<void>((release) => (abort.signal.aborted ? release() : this.#take(release))))
      // Aborted when the hub closes first. (Not ignore.js: see the imports.)
      .catch(() => undefined)
  }

  /** Closes the connection, frees the lock (or stops waiting for it) and leaves the channel. */
  #part(): void {
    this.connection?.close()
    this.connection = undefined
    // What it held was this leadership's: the next leader keeps its own.
    this.#clearRing()
    this.#restored = undefined
    this.#stopCatchUp()
    this.#release?.()
    this.#release = undefined
    this.#abort.abort()
    this.#channel.close()
  }

  /**
   * The back/forward cache (whatwg/html PR #12381: a cached page's stream is
   * aborted quietly). A cached leader would hold the lock, and with it every
   * other tab's stream, until it is restored or evicted: so the hub parts,
   * its sources go CONNECTING without an event and, restored, it joins again
   * as any hub does, as leader or follower. What it saw stays, so nothing is
   * delivered twice; what was sent meanwhile it gets from the leader's ring,
   * from its own catch-up connection, or, leading, from its own connection
   * resuming after its last event ID.
   */
  readonly #onPage = (event: Event): void => {
    if (!(event as PageTransitionEvent).persisted) return
    if (event.type === 'pagehide' && !this.#away) {
      this.#away = true
      this.#part()
      for (const source of this.sources) source.away()
    } else if (event.type === 'pageshow' && this.#away) {
      this.#away = false
      this.#join()
      this.#restored = this.seen.n
      this.hello()
    }
  }

  /** This realm got the lock: connect, resuming after the last event it delivered. */
  #take(release: () => void): void {
    this.#release = release
    // Granted as the last source left: pass it on.
    if (this.sources.size === 0) return release()
    // Leading, it resumes from its own position: no replay or catch-up needed.
    this.#restored = undefined
    this.#stopCatchUp()
    const seen = this.seen
    this.stream = Object.assign(new Cursor(seen.id), seen)
    // Function options (headers, body) run here, in the tab holding the connection.
    this.connection = this.#lead({ ...this.#options, lastEventId: seen.id }, this)
    this.connection.start()
  }

  /** A source joined: tell it whether the stream is open, in a task (as `open` is fired). */
  hello(): void {
    this.#post(this.#restored === undefined ? { t: 'hello' } : { t: 'hello', n: this.#restored })
    this.#receive({ t: 'hello' })
  }

  leave(source: SharedSource): void {
    this.sources.delete(source)
    if (this.sources.size > 0) return
    hubs.delete(this.#name)
    this.#part()
    if (typeof removeEventListener === 'function') for (const type of ['pagehide', 'pageshow']) removeEventListener(type, this.#onPage)
  }

  // The leader's sink: each report goes to the other realms, then here.

  open(): void {
    const stream = this.stream as Cursor
    // A chunk of only `id:` lines dispatches nothing, but moved the ID sent.
    stream.step(stream.n, (this.connection as Connection).lastEventId)
    // A stream with an ID resumes after the event that set it; one without
    // starts afresh, after everything this realm has seen.
    stream.n = stream.id === '' ? this.seen.n : stream.at
    // The server resends from here: numbers the ring holds would come twice.
    this.#clearRing()
    this.#send(this.#opened())
  }

  /** `open`, with where this leader's stream is. */
  #opened(): Opened {
    const stream = this.stream as Cursor
    return { t: 'open', n: stream.n, i: stream.id, a: stream.at }
  }

  dispatch(chunk: ChunkEvents): Promise<void> | undefined {
    const events = numbered(this.stream as Cursor, chunk, this.connection as Connection)
    this.#keep(events)
    return this.#send(events)
  }

  /**
   * Into the ring, dropping its oldest chunks past the bound. On the
   * leader's per-chunk path: a chunk's data is measured once, on the way in.
   */
  #keep(events: Events): void {
    let data = 0
    for (let index = 0; index < events.p.length; index += 2) data += (events.p[index] as EventSourceMessage).data.length
    const ring = this.#ring
    ring.push({ events, data })
    this.#ringEvents += events.p.length / 2
    this.#ringData += data
    while (ring.length > 0 && (this.#ringEvents > RING_EVENTS || this.#ringData > RING_DATA)) {
      const oldest = ring.shift() as Held
      this.#ringEvents -= oldest.events.p.length / 2
      this.#ringData -= oldest.data
    }
  }

  #clearRing(): void {
    this.#ring = []
    this.#ringEvents = this.#ringData = 0
  }

  /**
   * The events the ring holds past `n`, as one chunk (chunks delivered in one
   * task would interleave their events), or `null` when it does not reach
   * back to `n`. Its numbers run on, as the ring starts with a connection.
   */
  #replay(n: number): Events | null {
    const stream = this.stream as Cursor
    const ring = this.#ring
    const first = ring[0]?.events.k ?? stream.n + 1
    if (n < first - 1) return null
    const pending = ring.flatMap((held) => held.events.p).slice(2 * (n + 1 - first))
    return { t: 'events', k: n + 1, p: pending, o: ring.at(-1)?.events.o ?? '', i: stream.id, a: stream.at, r: (this.connection as Connection).reconnectionTime }
  }

  queueTask(step: () => void): void {
    setTimeout(step, 0)
  }

  error(error: ConnectionError): void {
    const { response, ...rest } = error
    this.#post({ t: 'error', e: rest as ConnectionError, s: response?.status, c: response?.headers.get('content-type') })
    this.#receive({ t: 'error', e: error })
  }

  #send(message: Message): Promise<void> | undefined {
    this.#post(message)
    return this.#receive(message)
  }

  #post(message: Message): void {
    try {
      this.#channel.postMessage(message)
    } catch {
      // An error's cause that cannot be cloned goes as its text.
      const error = (message as { e: ConnectionError }).e
      error.cause = String(error.cause)
      this.#channel.postMessage(message)
    }
  }

  /** A message of another realm. */
  #heard(message: Message): void {
    if (message.t === 'hello' && message.n !== undefined && this.connection?.readyState === OPEN) {
      // Before the `open` that answers every hello: the restored hub, still
      // waiting for this, would otherwise ask again on that `open`.
      this.#post({ t: 'replay', n: message.n, o: this.#opened(), e: this.#replay(message.n) })
    }
    if (message.t === 'replay') return this.#replayed(message)
    if (message.t === 'events' && (this.#restored !== undefined || this.#catchUp !== undefined)) {
      // All of it is in the replay, or will come through the catch-up connection.
      if (this.#catchUp !== undefined) this.#catchUp.until = Math.max(this.#catchUp.until, message.k + message.p.length / 2 - 1)
      return
    }
    // A leader that came after the restored hub's hello never heard it: ask it.
    if (message.t === 'open' && this.#restored !== undefined) this.hello()
    void this.#receive(message)
  }

  /** The leader's answer to this hub's restored hello: deliver it, or catch up alone. */
  #replayed(message: Extract<Message, { t: 'replay' }>): void {
    if (message.n !== this.#restored) return
    // Still restored: the `open` makes its sources OPEN but is not its position.
    void this.#receive(message.o)
    this.#restored = undefined
    // Nothing past `n` (this hub saw as much as the leader, or more): the
    // leader's ID and its place would be older than this hub's own.
    if (message.e !== null) return void (message.e.p.length > 0 && this.#receive(message.e))
    // A stream without an ID cannot resume: what it missed is lost, as for a plain source.
    if (this.seen.id === '' || message.o.n <= this.seen.n) return
    const seen = this.seen
    // Numbered as a leader numbers, from the event that set the ID it resumes from.
    const stream = Object.assign(new Cursor(seen.id), seen)
    const connection = this.#lead(
      { ...this.#options, lastEventId: seen.id },
      {
        open: () => void (stream.n = stream.at),
        dispatch: (chunk) => this.#caughtUp(numbered(stream, chunk, connection)),
        queueTask: this.queueTask,
        // It failed: the hub goes on with the leader's events, and what it missed stays missed (README).
        error: () => this.#stopCatchUp(),
      },
    )
    this.#catchUp = { connection, until: message.o.n }
    connection.start()
  }

  /** A chunk of the catch-up connection: delivered as the leader's; the catch-up ends where the leader is. */
  #caughtUp(events: Events): Promise<void> | undefined {
    const delivered = this.#receive(events)
    if (this.#catchUp !== undefined && this.seen.n >= this.#catchUp.until) this.#stopCatchUp()
    return delivered
  }

  #stopCatchUp(): void {
    this.#catchUp?.connection.close()
    this.#catchUp = undefined
  }

  /** A report, from the channel or this realm's own connection: deliver what is new. */
  #receive(message: Message): Promise<void> | undefined {
    if (message.t === 'hello') {
      if (this.connection?.readyState === OPEN) this.#send(this.#opened())
      return undefined
    }
    if (message.t === 'replay') return undefined
    const seen = this.seen
    // Nothing seen yet: the leader's position is this hub's, so that, leading
    // next, it resumes where the stream is and numbers as every tab does. Not
    // a restored hub's, which knows its own, and replays from it.
    if (message.t === 'open' && seen.n === 0 && this.#restored === undefined) Object.assign(seen, { n: message.n, id: message.i, at: message.a })
    let fresh: Array<EventSourceMessage | string> | undefined
    if (message.t === 'events') {
      const { p: pending, i: id } = message
      fresh = []
      let n = message.k
      for (let index = 0; index < pending.length; index += 2, n++) {
        if (n <= seen.n) continue
        seen.step(n, pending[index + 1] as string)
        fresh.push(pending[index] as EventSourceMessage, pending[index + 1] as string)
      }
      // Through the chunk's end: the leader's ID and where it was set are this
      // hub's. Its own steps date an ID to the first event it saw with it,
      // wrong when it missed the one that set it (back from the back/forward
      // cache, or joined mid-stream), and leading it would resume there.
      if (n - 1 === seen.n) Object.assign(seen, { id, at: message.a })
      this.reconnectionTime = message.r
    }
    const delivering: Array<Promise<void> | undefined> = []
    for (const source of this.sources) delivering.push(source.take(message, fresh))
    // The leader reads on once every local source has dispatched the chunk.
    return Promise.all(delivering) as Promise<unknown> as Promise<void>
  }
}

/**
 * One `EventSource`'s view of its hub: the same surface as a
 * {@link Connection}, with its own readyState, fed by the hub.
 */
class SharedSource implements ChunkEvents, SourceConnection {
  readyState: ReadyState = CONNECTING
  lastEventId: string
  pending: Array<EventSourceMessage | string> = []
  origin = ''
  readonly #hub: Hub
  readonly #sink: ConnectionSink

  constructor(name: string, options: ConnectionOptions, sink: ConnectionSink, lead: Lead, delay: number) {
    let hub = hubs.get(name)
    if (hub === undefined) hubs.set(name, (hub = new Hub(name, options, lead, delay)))
    this.#hub = hub
    this.#sink = sink
    this.lastEventId = hub.seen.id
  }

  get reconnectionTime(): number {
    return this.#hub.reconnectionTime
  }

  /** Whether to dispatch more of a chunk: not after close(). */
  get active(): boolean {
    return this.readyState !== CLOSED
  }

  start(): void {
    this.#hub.sources.add(this)
    setTimeout(() => this.readyState !== CLOSED && this.#hub.hello(), 0)
  }

  /** The page went into the back/forward cache: CONNECTING, quietly, until the hub is back. */
  away(): void {
    if (this.readyState === OPEN) this.readyState = CONNECTING
  }

  /** Detaches this source only; the last one of the realm closes the hub. */
  close(): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#hub.leave(this)
  }

  /** A report of the hub, as the connection would make it to this source. */
  take(message: Message, fresh: Array<EventSourceMessage | string> | undefined): Promise<void> | undefined {
    if (this.readyState === CLOSED) return undefined
    if (message.t === 'open') {
      // Only a change fires: a hand-over, or the answer to another tab's hello, does not.
      if (this.readyState === CONNECTING) {
        this.readyState = OPEN
        this.#sink.open(undefined as unknown as Response)
      }
    } else if (message.t === 'error') {
      const { e: error, s: status } = message
      this.readyState = error.willReconnect ? CONNECTING : CLOSED
      if (this.readyState === CLOSED) this.#hub.leave(this)
      this.#sink.error(
        status === undefined
          ? error
          : { ...error, response: new Response(null, { status, headers: message.c == null ? {} : { 'content-type': message.c } }) },
      )
    } else if (message.t === 'events' && this.readyState === OPEN && fresh !== undefined) {
      this.lastEventId = this.#hub.seen.id
      if (fresh.length === 0) return undefined
      this.pending = fresh
      this.origin = message.o
      return this.#sink.dispatch(this)
    }
    return undefined
  }
}
