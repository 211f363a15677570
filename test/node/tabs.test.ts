// NODE-ONLY (launches Chromium itself). Issue 17: many tabs, one connection (`share`), and a stream
// that survives the page's life (back/forward cache, `online`, a clock jump, `pauseWhenHidden`).
//
// Real Chromium (playwright-core + @sparticuz/chromium), several pages in ONE browser context, so
// they share Web Locks and BroadcastChannel as tabs of one origin do; the pages, the library (the
// main `eventsource-kit` entry, bundled with code splitting, so the sharing code is a chunk the
// page fetches by import()) and the numbered event streams come from one server
// (test/browser-tabs/server.ts) that logs every request, so each case counts connections.
// The hand-over figures go into reports/soak.json under `tabs`.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../wpt-fixtures/run-chromium.js'
import { startTabsServer, type TabsServer } from '../browser-tabs/server.js'
import { EventSource } from '../../src/index.js'

const REPORT = resolve(import.meta.dirname, '..', '..', 'reports', 'soak.json')

let browser: Browser
let server: TabsServer

beforeAll(async () => {
  server = await startTabsServer()
  browser = await launchChromium()
}, 60_000)

/** Measured delays, merged into reports/soak.json `tabs.lifecycle` after the run. */
const lifecycle: { [what: string]: number } = {}
let soakFigures: { [key: string]: unknown } | undefined

afterAll(async () => {
  if (soakFigures !== undefined) mergeReport({ ...soakFigures, lifecycle })
  await browser?.close()
  await server?.close()
})

interface SourceInit {
  share?: boolean | string
  retry?: { delay: number }
  pauseWhenHidden?: number
  inactivityTimeout?: number
}

/** What a page records of one source. */
interface Recorded {
  data: number[]
  /** Events whose lastEventId or origin differ from what the stream sent. */
  bad: number
  /** `open@ms`, `error:<kind>:<readyState>@ms`, in the page's clock. */
  events: string[]
}

/** Runs `test` in a new browser context (its tabs share Web Locks and BroadcastChannel, as tabs of one origin do), closed after it either way. */
async function inContext(test: (context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext()
  try {
    await test(context)
  } finally {
    await context.close()
  }
}

/**
 * Drives the back/forward cache's page lifecycle events in `page` (`persisted: true`): headless
 * Chromium does not put these pages in the real cache, so the tests that use it say so.
 */
async function bfcache(page: Page, type: 'pagehide' | 'pageshow'): Promise<void> {
  await page.evaluate((type) => dispatchEvent(new PageTransitionEvent(type, { persisted: true })), type)
}

/**
 * Tab a leads `url` (one request), tab b follows it until it has 5 events, then b's page goes
 * into the back/forward cache (dispatched): what every follower-cache case starts from.
 */
async function leaderAndCachedFollower(context: BrowserContext, key: string, url: string): Promise<{ a: Page; b: Page; stream: ReturnType<TabsServer['stream']>; cached: Awaited<ReturnType<typeof record>> }> {
  const a = await newTab(context, `${key}-a`)
  await openSource(a, 'a', url, 'a', { share: true })
  const stream = server.stream(key)
  await until('a connected', () => stream.requests.length === 1)
  const b = await newTab(context, `${key}-b`)
  await openSource(b, 'a', url, 'b', { share: true })
  await until('b has 5 events', async () => (await record(b, 'a')).data.length >= 5)
  await bfcache(b, 'pagehide')
  return { a, b, stream, cached: await record(b, 'a') }
}

/** Opens a source named `id` in `page`, its function `headers` naming the tab. */
async function openSource(page: Page, id: string, url: string, tab: string, init: SourceInit = {}): Promise<void> {
  await page.evaluate(
    ([id, url, tab, init]) => {
      type Shared = { data: number[]; bad: number; events: string[]; es: EventSource }
      const g = globalThis as unknown as { ES: typeof EventSource; S?: Record<string, Shared> }
      const es = new g.ES(url, { ...init, headers: () => ({ 'x-tab': tab }) })
      const rec: Shared = { data: [], bad: 0, events: [], es }
      es.onmessage = (event) => {
        rec.data.push(Number(event.data))
        // With `idEvery` or `ids`, an event carries the id of the last event that had one.
        const n = Number(event.data)
        const params = new URL(url, location.href).searchParams
        const every = Number(params.get('idEvery') ?? 1)
        const ids = params.get('ids')?.split(',').map(Number)
        const last = ids === undefined ? n - (n % every) : Math.max(0, ...ids.filter((id) => id <= n))
        if (event.lastEventId !== (last === 0 ? '' : String(last)) || event.origin !== location.origin) rec.bad++
      }
      es.onopen = () => rec.events.push(`open@${Math.round(performance.now())}`)
      es.onerror = (event) => rec.events.push(`error:${event.kind}:${es.readyState}@${Math.round(performance.now())}`)
      g.S = g.S ?? {}
      g.S[id] = rec
    },
    [id, url, tab, init] as const,
  )
}

async function record(page: Page, id: string): Promise<Recorded & { readyState: number; lastEventId: string }> {
  return page.evaluate((id) => {
    const g = globalThis as unknown as { S: Record<string, { data: number[]; bad: number; events: string[]; es: EventSource }> }
    const rec = g.S[id] as { data: number[]; bad: number; events: string[]; es: EventSource }
    return { data: rec.data, bad: rec.bad, events: rec.events, readyState: rec.es.readyState, lastEventId: rec.es.lastEventId }
  }, id)
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeout = 15_000): Promise<void> {
  const end = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function newTab(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(server.page(name))
  return page
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Lost, duplicated and out-of-order events in `data`, against 1..total. */
function tally(data: number[], total: number): { lost: number; duplicated: number; reordered: number } {
  const seen = new Set<number>()
  let duplicated = 0
  let reordered = 0
  for (let i = 0; i < data.length; i++) {
    const n = data[i] as number
    if (seen.has(n)) duplicated++
    seen.add(n)
    if (i > 0 && n < (data[i - 1] as number)) reordered++
  }
  return { lost: total - seen.size, duplicated, reordered }
}

function mergeReport(tabs: unknown): void {
  let report: { [key: string]: unknown } = {}
  try {
    report = JSON.parse(readFileSync(REPORT, 'utf8')) as { [key: string]: unknown }
  } catch {
    // No soak run yet: the file starts with this key.
  }
  report.tabs = tabs
  mkdirSync(resolve(REPORT, '..'), { recursive: true })
  writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`)
}

describe('share: many tabs, one connection (Chromium, one context)', () => {
  it('the sharing code is a chunk of its own: a page loads it only when a source asks for share', () =>
    inContext(async (context) => {
      const key = 'chunk'
      const url = `/events/${key}?total=100000&batch=1&every=50`
      const page = await newTab(context, 'chunk')
      const before = server.chunks.length
      await openSource(page, 'plain', url, 'p')
      await until('the plain source OPEN', async () => (await record(page, 'plain')).readyState === 1)
      expect(server.chunks.length).toBe(before)
      await openSource(page, 'shared', url, 'p', { share: true })
      // OPEN from the shared connection once the chunk is in. (Whether it is still CONNECTING
      // one round trip to the page later depends on how fast the chunk loads: not asserted.)
      await until('the shared source OPEN', async () => (await record(page, 'shared')).readyState === 1)
      expect(server.chunks.slice(before)).toEqual([expect.stringMatching(/^\/shared-connection-\w+\.js$/)])
      expect(server.stream(key).requests.length).toBe(2)
    }), 30_000)

  it('5 tabs (one with 2 sources) with share: true make 1 request, and every source receives every event', () =>
    inContext(async (context) => {
      const key = 'five'
      const url = `/events/${key}?total=300&batch=10&every=5&gated`
      const pages: Page[] = []
      for (let i = 0; i < 5; i++) {
        const page = await newTab(context, `five-${i}`)
        await openSource(page, 'a', url, `tab${i}`, { share: true })
        pages.push(page)
      }
      await openSource(pages[0] as Page, 'b', url, 'tab0', { share: true })
      const sources = [...pages.map((page) => [page, 'a'] as const), [pages[0] as Page, 'b'] as const]
      await until('every source OPEN', async () => (await Promise.all(sources.map(([p, id]) => record(p, id)))).every((r) => r.readyState === 1))
      server.release(key)
      await until('every source has 300 events', async () => (await Promise.all(sources.map(([p, id]) => record(p, id)))).every((r) => r.data.length >= 300))
      await new Promise((r) => setTimeout(r, 200))
      expect(server.stream(key).requests.length).toBe(1)
      for (const [page, id] of sources) {
        const rec = await record(page, id)
        expect(rec.data).toEqual(range(1, 300))
        expect(rec.bad).toBe(0)
        expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open'])
        expect(rec.lastEventId).toBe('300')
      }
    }), 60_000)

  it('close(): a follower detaches alone; the leader hands over with one request carrying Last-Event-ID', () =>
    inContext(async (context) => {
      const key = 'close'
      const url = `/events/${key}?total=100000&batch=1&every=20`
      const a = await newTab(context, 'close-a')
      await openSource(a, 'a', url, 'a', { share: true })
      await until('a connected', () => server.stream(key).requests.length === 1)
      const b = await newTab(context, 'close-b')
      await openSource(b, 'a', url, 'b', { share: true })
      const c = await newTab(context, 'close-c')
      await openSource(c, 'a', url, 'c', { share: true })
      await until('c OPEN with events', async () => (await record(c, 'a')).data.length > 3)
      await c.evaluate(() => (globalThis as unknown as { S: { a: { es: EventSource } } }).S.a.es.close())
      await new Promise((r) => setTimeout(r, 300))
      expect(server.stream(key).requests.length).toBe(1)
      const closedAt = (await record(c, 'a')).data.length
      await a.evaluate(() => (globalThis as unknown as { S: { a: { es: EventSource } } }).S.a.es.close())
      await until('b took over', () => server.stream(key).requests.length === 2)
      // The server may see b's connection before a's close (see the BFCache case below).
      await until("a's stream closed", () => server.stream(key).requests[0]?.closedAt !== undefined, 2000)
      const second = server.stream(key).requests[1]
      expect(second?.tab).toBe('b')
      expect(second?.lastEventId).toMatch(/^\d+$/)
      await new Promise((r) => setTimeout(r, 300))
      const rec = await record(b, 'a')
      expect(tally(rec.data, rec.data.at(-1) as number)).toEqual({ lost: (rec.data[0] as number) - 1, duplicated: 0, reordered: 0 })
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open'])
      expect((await record(c, 'a')).data.length).toBe(closedAt)
      expect(server.stream(key).requests.length).toBe(2)
    }), 60_000)

  it('a brand-new tab that becomes leader before any event reached it resumes from the stream\'s position (the leader\'s open carries it): Last-Event-ID of the last event sent, nothing resent, nothing lost', () =>
    inContext(async (context) => {
      const key = 'anchor'
      // Events 1–20, then quiet until release: the tabs that join then see no numbered event.
      const url = `/events/${key}?total=40&batch=1&every=10&holdAt=20`
      const a = await newTab(context, 'anchor-a')
      await openSource(a, 'a', url, 'a', { share: true })
      await until('a has 20 events', async () => (await record(a, 'a')).data.length === 20)
      // b queues for the lock first, so it leads next; c follows it.
      const b = await newTab(context, 'anchor-b')
      await openSource(b, 'a', url, 'b', { share: true })
      await until('b OPEN', async () => (await record(b, 'a')).readyState === 1)
      const c = await newTab(context, 'anchor-c')
      await openSource(c, 'a', url, 'c', { share: true })
      await until('c OPEN', async () => (await record(c, 'a')).readyState === 1)
      expect((await record(b, 'a')).data).toEqual([])
      await a.close()
      const stream = server.stream(key)
      await until('b took over', () => stream.requests.length === 2)
      expect(stream.requests[1]?.tab).toBe('b')
      expect(stream.requests[1]?.lastEventId).toBe('20')
      server.release(key)
      await until('b and c have event 40', async () => (await Promise.all([b, c].map((p) => record(p, 'a')))).every((r) => r.data.at(-1) === 40))
      await new Promise((r) => setTimeout(r, 200))
      for (const page of [b, c]) {
        const rec = await record(page, 'a')
        expect(rec.data).toEqual(range(21, 40))
        expect(rec.bad).toBe(0)
        expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open'])
      }
      expect(stream.requests.length).toBe(2)
    }), 60_000)

  it('the leader tab closed, navigated away or crashed 20 times during a 10 000-event stream: surviving tabs lose, duplicate and reorder nothing; each hand-over is one request with Last-Event-ID', async () => {
    const context = await browser.newContext()
    const started = Date.now()
    try {
      const key = 'soak'
      const total = 10_000
      const handovers = 20
      // An id on every 7th event only: a new leader resumes from up to 6 events before the last
      // one every tab delivered, so the server resends events all tabs have, to be dropped.
      const url = `/events/${key}?total=${total}&batch=10&every=10&idEvery=7&gated`
      // Lock requests are granted in order: leaders-to-be first, the two observers last, so the
      // observers follow the whole stream and the 20 others each lead once.
      const leaders = new Map<string, Page>()
      for (let i = 0; i < handovers; i++) {
        const page = await newTab(context, `soak-l${i}`)
        await openSource(page, 'a', url, `l${i}`, { share: true })
        leaders.set(`l${i}`, page)
        if (i === 0) await until('the first leader connected', () => server.stream(key).requests.length === 1)
      }
      const observers: Page[] = []
      for (let i = 0; i < 2; i++) {
        const page = await newTab(context, `soak-o${i}`)
        await openSource(page, 'a', url, `o${i}`, { share: true })
        observers.push(page)
      }
      const all = [...leaders.values(), ...observers]
      await until('every tab OPEN', async () => (await Promise.all(all.map((p) => record(p, 'a')))).every((r) => r.readyState === 1), 30_000)
      server.release(key)
      const stream = server.stream(key)
      const HOW = ['closed', 'navigated', 'crashed'] as const
      const closedTabs: Array<{ tab: string; how: string; lost: number; duplicated: number; reordered: number }> = []
      for (let i = 0; i < handovers; i++) {
        await until(`event ${400 * (i + 1)} sent`, () => stream.sent >= 400 * (i + 1), 30_000)
        const tab = stream.requests.at(-1)?.tab as string
        const page = leaders.get(tab) as Page
        const rec = await record(page, 'a')
        // The next leader (lock requests are granted in order) is made to lag: its main thread
        // blocks for 300 ms, so the old leader's last broadcasts wait in its queue when the lock
        // comes, and it resumes from an earlier event than the other tabs have seen. What the
        // server resends is then dropped where it was already delivered.
        const next = leaders.get(`l${i + 1}`)
        if (next !== undefined) {
          void next.evaluate(() => {
            const until = performance.now() + 300
            while (performance.now() < until);
          })
          await new Promise((r) => setTimeout(r, 100))
        }
        const how = HOW[i % HOW.length] as (typeof HOW)[number]
        closedTabs.push({ tab, how, ...tally(rec.data, rec.data.at(-1) as number) })
        // The leader goes as tabs go: closed, navigated away, crashed (the browser frees its lock).
        if (how === 'closed') await page.close()
        else if (how === 'navigated') await page.goto(server.page('elsewhere'))
        // (Page.crash never answers: the renderer is gone.)
        else void (await context.newCDPSession(page)).send('Page.crash').catch(() => undefined)
        leaders.delete(tab)
        if (process.env.TABS_DEBUG) console.log(`hand-over ${i + 1}: ${tab} ${how}`)
        await until(`hand-over ${i + 1}`, () => stream.requests.length === i + 2, 30_000)
      }
      await until('observers have every event', async () => (await Promise.all(observers.map((p) => record(p, 'a')))).every((r) => r.data.length >= total), 120_000)
      await new Promise((r) => setTimeout(r, 300))
      const results = await Promise.all(observers.map((p) => record(p, 'a')))
      const tallies = results.map((r) => tally(r.data, total))
      const requests = stream.requests
      soakFigures = {
        date: new Date().toISOString(),
        browser: browser.version(),
        tabs: handovers + 2,
        handovers,
        events: total,
        requests: requests.length,
        handoverLastEventIds: requests.slice(1).map((r) => r.lastEventId),
        // Events the server sent again after a hand-over (the old leader had broadcast them, or
        // had them in flight): each surviving tab dropped those it had already delivered.
        resentByServer: requests.slice(1).reduce((sum, r) => sum + r.sentBefore - Number(r.lastEventId), 0),
        survivingTabs: tallies.map((t, i) => ({ tab: `o${i}`, received: results[i]?.data.length, ...t })),
        closedLeaders: closedTabs,
        lost: tallies.reduce((sum, t) => sum + t.lost, 0),
        duplicated: tallies.reduce((sum, t) => sum + t.duplicated, 0),
        reordered: tallies.reduce((sum, t) => sum + t.reordered, 0),
        seconds: Math.round((Date.now() - started) / 100) / 10,
      }
      expect(requests.length).toBe(handovers + 1)
      for (const request of requests.slice(1)) expect(Number(request.lastEventId) % 7).toBe(0)
      for (const result of results) {
        expect(result.data.length).toBe(total)
        expect(result.data).toEqual(range(1, total))
        expect(result.bad).toBe(0)
        // A hand-over is quiet: one `open`, no `error`.
        expect(result.events.map((e) => e.split('@')[0])).toEqual(['open'])
      }
      for (const closed of closedTabs) expect(closed).toMatchObject({ lost: 0, duplicated: 0, reordered: 0 })
    } finally {
      await context.close()
    }
  }, 240_000)
})

describe('lifecycle (Chromium)', () => {
  /** The page's clock and the server's, for timings: ms since the server logged `request`. */
  const since = (at: number): number => performance.now() - at

  it('BFCache (pagehide/pageshow with persisted, dispatched: this headless Chromium restores no page from the real cache, not even one without a source): quiet abort, reconnect at once with Last-Event-ID', () =>
    inContext(async (context) => {
      const key = 'bfcache'
      const page = await newTab(context, 'bfcache')
      await openSource(page, 'a', `/events/${key}?total=5&batch=1&every=10`, 'p')
      await until('5 events', async () => (await record(page, 'a')).data.length === 5)
      await bfcache(page, 'pagehide')
      const stream = server.stream(key)
      await until('the stream aborted', () => stream.requests[0]?.closedAt !== undefined, 2000)
      await new Promise((r) => setTimeout(r, 500))
      expect(stream.requests.length).toBe(1)
      expect((await record(page, 'a')).readyState).toBe(0)
      const shownAt = performance.now()
      await bfcache(page, 'pageshow')
      await until('the reconnect', () => stream.requests.length === 2, 2000)
      lifecycle.pageshowToRequestMs = Math.round((stream.requests[1]?.at as number) - shownAt)
      expect((stream.requests[1]?.at as number) - shownAt).toBeLessThan(500)
      expect(stream.requests[1]?.lastEventId).toBe('5')
      await new Promise((r) => setTimeout(r, 200))
      const rec = await record(page, 'a')
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
      expect(rec.readyState).toBe(1)
      expect(stream.requests.length).toBe(2)
    }), 30_000)

  it('share, BFCache of the leader tab (pagehide/pageshow with persisted, dispatched, as above): the lock is released and another tab takes over with Last-Event-ID; restored, the tab rejoins as a follower, then leads again when the other goes, with no event twice', () =>
    inContext(async (context) => {
      const key = 'bfcache-share'
      // Ids on events 5 and 20 only: b takes over from 5; 20 comes while a is cached, so a learns
      // of it from a later event and must still resume, when it leads, from event 20's place.
      const url = `/events/${key}?total=100000&batch=1&every=20&ids=5,20`
      const a = await newTab(context, 'bfcache-share-a')
      await openSource(a, 'a', url, 'a', { share: true })
      const stream = server.stream(key)
      await until('a connected', () => stream.requests.length === 1)
      const b = await newTab(context, 'bfcache-share-b')
      await openSource(b, 'a', url, 'b', { share: true })
      await until('b has event 6', async () => ((await record(b, 'a')).data.at(-1) ?? 0) >= 6)
      await bfcache(a, 'pagehide')
      await until('b took over', () => stream.requests.length === 2, 3000)
      // a's abort comes first in the page, but the server may see b's new connection before
      // it sees a's close: two sockets, with no order between what it reads from them.
      await until("a's stream closed", () => stream.requests[0]?.closedAt !== undefined, 2000)
      expect(stream.requests[1]?.tab).toBe('b')
      expect(stream.requests[1]?.lastEventId).toBe('5')
      const cached = await record(a, 'a')
      expect(cached.data.at(-1)).toBeLessThan(20)
      expect(cached.readyState).toBe(0)
      // In the cache, the page takes nothing from the channel.
      await new Promise((r) => setTimeout(r, 300))
      expect((await record(a, 'a')).data.length).toBe(cached.data.length)
      await until('event 20 sent while a is cached', () => stream.sent > 21, 3000)
      await bfcache(a, 'pageshow')
      await until('a OPEN with new events', async () => {
        const rec = await record(a, 'a')
        return rec.readyState === 1 && rec.data.length > cached.data.length + 3
      })
      expect(stream.requests.length).toBe(2)
      await b.close()
      await until('a took over', () => stream.requests.length === 3, 3000)
      expect(stream.requests[2]?.tab).toBe('a')
      expect(stream.requests[2]?.lastEventId).toBe('20')
      const before = (await record(a, 'a')).data.length
      await until('a has more events', async () => (await record(a, 'a')).data.length > before + 3)
      const rec = await record(a, 'a')
      const seen = new Set(rec.data)
      expect(seen.size).toBe(rec.data.length)
      expect(rec.data).toEqual([...rec.data].sort((x, y) => x - y))
      expect(rec.bad).toBe(0)
      // As an ordinary source: a quiet pause in the cache, one more `open` when back.
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
      expect(stream.requests.length).toBe(3)
    }), 30_000)

  it('share, BFCache of a follower tab (pagehide/pageshow with persisted, dispatched, as above) while 50+ events flow: restored, it gets exactly the missed events from the leader\'s ring, once and in order, then the live ones, with no request of its own', () =>
    inContext(async (context) => {
      const key = 'bfcache-follower'
      const url = `/events/${key}?total=100000&batch=1&every=2`
      const { a, b, stream, cached } = await leaderAndCachedFollower(context, key, url)
      expect(cached.readyState).toBe(0)
      const last = cached.data.at(-1) as number
      await until('50 events sent while b is cached', () => stream.sent >= last + 50, 5000)
      expect((await record(b, 'a')).data).toEqual(cached.data)
      // The leader is made to lag as b comes back: chunks pile up and are broadcast before it
      // reads b's hello, so b hears live events before the replay, which already holds them.
      void a.evaluate(() => {
        const until = performance.now() + 150
        while (performance.now() < until);
      })
      await new Promise((r) => setTimeout(r, 50))
      await bfcache(b, 'pageshow')
      const shownAt = stream.sent
      await until('b has live events past the restore', async () => ((await record(b, 'a')).data.at(-1) ?? 0) > shownAt + 20)
      const rec = await record(b, 'a')
      expect(rec.data).toEqual(range(cached.data[0] as number, rec.data.at(-1) as number))
      expect(rec.bad).toBe(0)
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
      expect(rec.readyState).toBe(1)
      expect(stream.requests.length).toBe(1)
    }), 30_000)

  it('share, BFCache of a follower tab (dispatched, as above) that had received no event yet: restored, it gets every event from the first, once and in order, with no request of its own', () =>
    inContext(async (context) => {
      const key = 'bfcache-follower-empty'
      const url = `/events/${key}?total=100000&batch=1&every=5&gated`
      const a = await newTab(context, `${key}-a`)
      await openSource(a, 'a', url, 'a', { share: true })
      const stream = server.stream(key)
      const b = await newTab(context, `${key}-b`)
      await openSource(b, 'a', url, 'b', { share: true })
      await until('b OPEN', async () => (await record(b, 'a')).readyState === 1)
      await bfcache(b, 'pagehide')
      server.release(key)
      await until('30 events sent while b is cached', () => stream.sent >= 30, 5000)
      await bfcache(b, 'pageshow')
      await until('b has live events', async () => ((await record(b, 'a')).data.at(-1) ?? 0) > stream.sent - 5 && stream.sent > 50)
      const rec = await record(b, 'a')
      expect(rec.data).toEqual(range(1, rec.data.at(-1) as number))
      expect(rec.bad).toBe(0)
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
      expect(stream.requests.length).toBe(1)
    }), 30_000)

  // Past either bound of the ring: more events than it holds, or more data.
  // `reach`: how many of these events the ring holds.
  for (const { gap, total, holdAt, pad, reach } of [
    { gap: '2 800+ events, more than the 1000 the leader\'s ring holds', total: 3100, holdAt: 3000, pad: 0, reach: 1000 },
    { gap: '600+ events of 3 kB, more than the 1 MiB of data the leader\'s ring holds', total: 900, holdAt: 800, pad: 3000, reach: Math.floor(2 ** 20 / 3003) },
  ]) {
    it(`share, BFCache of a follower tab (dispatched, as above) while ${gap}: restored, it catches up on its own connection with Last-Event-ID, closes it where the leader is, and goes on with the leader's events, none twice or out of order`, async () => {
      const context = await browser.newContext()
      try {
        const key = `bfcache-gap-${pad}`
        // Every response pauses after event `holdAt` until release: the catch-up reaches the leader there.
        const url = `/events/${key}?total=${total}&batch=1&every=1&holdAt=${holdAt}&pad=${pad}`
        const { a, b, stream, cached } = await leaderAndCachedFollower(context, key, url)
        const last = cached.data.at(-1) as number
        expect(holdAt - last).toBeGreaterThan(reach + 100)
        await until(`a has event ${holdAt}`, async () => (await record(a, 'a')).data.at(-1) === holdAt, 20_000)
        await bfcache(b, 'pageshow')
        await until(`b caught up to ${holdAt}`, async () => (await record(b, 'a')).data.at(-1) === holdAt, 10_000)
        expect(stream.requests.length).toBe(2)
        expect(stream.requests[1]?.tab).toBe('b')
        expect(stream.requests[1]?.lastEventId).toBe(String(last))
        await until('the catch-up closed', () => stream.requests[1]?.closedAt !== undefined, 3000)
        server.release(key)
        await until(`b has event ${total}`, async () => (await record(b, 'a')).data.at(-1) === total)
        await new Promise((r) => setTimeout(r, 200))
        const rec = await record(b, 'a')
        expect(rec.data).toEqual(range(cached.data[0] as number, total))
        expect(rec.bad).toBe(0)
        expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
        expect(stream.requests.length).toBe(2)
        expect(stream.requests[0]?.closedAt).toBeUndefined()
      } finally {
        await context.close()
      }
    }, 60_000)
  }

  it('share, BFCache of a follower tab (dispatched, as above) while 1 500+ events flow, more than the ring holds, and the stream goes on: its own connection (the server sending the backlog at once, 200 ms late) catches up past the events the leader broadcasts meanwhile, then it takes the leader\'s again, none lost, twice or out of order', () =>
    inContext(async (context) => {
      const key = 'bfcache-gap-live'
      // The catch-up's first write, 200 ms late, holds only what was sent before its request: the
      // ~600 events the leader broadcasts meanwhile, which b drops, come in its next write.
      const url = `/events/${key}?total=300000&batch=3&every=1&backlog&backlogDelay=200`
      const { a, b, stream, cached } = await leaderAndCachedFollower(context, key, url)
      const last = cached.data.at(-1) as number
      await until('1 500 events sent while b is cached', () => stream.sent >= last + 1500, 20_000)
      await bfcache(b, 'pageshow')
      const shownAt = stream.sent
      await until('the catch-up closed', () => stream.requests[1]?.closedAt !== undefined, 10_000)
      const stoppedAt = stream.sent
      await until('b has the leader\'s events past the catch-up', async () => ((await record(b, 'a')).data.at(-1) ?? 0) > stoppedAt + 200, 10_000)
      const rec = await record(b, 'a')
      expect(rec.data.at(-1)).toBeGreaterThan(shownAt)
      expect(rec.data).toEqual(range(cached.data[0] as number, rec.data.at(-1) as number))
      expect(rec.bad).toBe(0)
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
      expect(stream.requests.length).toBe(2)
      expect(stream.requests[1]).toMatchObject({ tab: 'b', lastEventId: String(last) })
    }), 60_000)

  it('online (context.setOffline) while waiting 20 s to reconnect: reconnects at once', () =>
    inContext(async (context) => {
      const key = 'online'
      const page = await newTab(context, 'online')
      await openSource(page, 'a', `/events/${key}?total=1&end=first`, 'p', { retry: { delay: 20_000 } })
      await until('waiting to reconnect', async () => (await record(page, 'a')).events.some((e) => e.startsWith('error:end:0')))
      const stream = server.stream(key)
      await new Promise((r) => setTimeout(r, 300))
      expect(stream.requests.length).toBe(1)
      await context.setOffline(true)
      await new Promise((r) => setTimeout(r, 100))
      const onlineAt = performance.now()
      await context.setOffline(false)
      await until('the reconnect', () => stream.requests.length === 2, 3000)
      lifecycle.onlineToRequestMs = Math.round((stream.requests[1]?.at as number) - onlineAt)
      expect((stream.requests[1]?.at as number) - onlineAt).toBeLessThan(1000)
      expect(stream.requests[1]?.lastEventId).toBe('1')
      expect(since(stream.requests[0]?.at as number)).toBeLessThan(20_000)
    }), 30_000)

  it('a clock jump (page.clock.fastForward, as a machine waking from sleep) while waiting 10 min to reconnect: reconnects at once', () =>
    inContext(async (context) => {
      const key = 'clock'
      const page = await context.newPage()
      await page.clock.install()
      await page.goto(server.page('clock'))
      await openSource(page, 'a', `/events/${key}?total=1&end=first`, 'p', { retry: { delay: 600_000 } })
      await until('waiting to reconnect', async () => (await record(page, 'a')).events.some((e) => e.startsWith('error:end:0')))
      const stream = server.stream(key)
      await new Promise((r) => setTimeout(r, 300))
      expect(stream.requests.length).toBe(1)
      const jumpAt = performance.now()
      await page.clock.fastForward('11:00')
      await until('the reconnect', () => stream.requests.length === 2, 3000)
      lifecycle.clockJumpToRequestMs = Math.round((stream.requests[1]?.at as number) - jumpAt)
      expect((stream.requests[1]?.at as number) - jumpAt).toBeLessThan(1000)
      expect(stream.requests[1]?.lastEventId).toBe('1')
      expect((await record(page, 'a')).events.filter((e) => e.startsWith('error')).length).toBe(1)
    }), 30_000)

  it('a clock jump of 5 min (page.clock.fastForward) while OPEN with inactivityTimeout: 10 000: no "no data" error for the frozen time, one new request with Last-Event-ID at once', () =>
    inContext(async (context) => {
      const key = 'watchdog'
      const page = await context.newPage()
      await page.clock.install()
      await page.goto(server.page('watchdog'))
      await openSource(page, 'a', `/events/${key}?total=100000&batch=1&every=200`, 'p', { inactivityTimeout: 10_000 })
      await until('events', async () => (await record(page, 'a')).data.length >= 3)
      const stream = server.stream(key)
      const jumpAt = performance.now()
      await page.clock.fastForward('05:00')
      await until('the reconnect', () => stream.requests.length === 2, 3000)
      lifecycle.watchdogJumpToRequestMs = Math.round((stream.requests[1]?.at as number) - jumpAt)
      expect((stream.requests[1]?.at as number) - jumpAt).toBeLessThan(1000)
      expect(Number(stream.requests[1]?.lastEventId)).toBeGreaterThanOrEqual(3)
      await until('events again', async () => (await record(page, 'a')).data.length >= 6)
      await new Promise((r) => setTimeout(r, 300))
      const rec = await record(page, 'a')
      expect(rec.events.filter((e) => e.startsWith('error'))).toEqual([])
      expect(tally(rec.data, rec.data.at(-1) as number)).toEqual({ lost: 0, duplicated: 0, reordered: 0 })
      expect(stream.requests.length).toBe(2)
    }), 30_000)

  it('resume (Page Lifecycle; dispatched at the document, not bubbling, as Chromium fires it: CDP Page.setWebLifecycleState freezes no headless page here) while waiting 20 s to reconnect: reconnects at once', () =>
    inContext(async (context) => {
      const key = 'freeze'
      const page = await newTab(context, 'freeze')
      await openSource(page, 'a', `/events/${key}?total=1&end=first`, 'p', { retry: { delay: 20_000 } })
      await until('waiting to reconnect', async () => (await record(page, 'a')).events.some((e) => e.startsWith('error:end:0')))
      const stream = server.stream(key)
      await page.evaluate(() => document.dispatchEvent(new Event('freeze')))
      await new Promise((r) => setTimeout(r, 300))
      expect(stream.requests.length).toBe(1)
      const resumedAt = performance.now()
      await page.evaluate(() => document.dispatchEvent(new Event('resume')))
      await until('the reconnect', () => stream.requests.length === 2, 3000)
      lifecycle.resumeToRequestMs = Math.round((stream.requests[1]?.at as number) - resumedAt)
      expect((stream.requests[1]?.at as number) - resumedAt).toBeLessThan(1000)
      expect(stream.requests[1]?.lastEventId).toBe('1')
    }), 30_000)

  it('pauseWhenHidden: 300 (visibility driven by a dispatched visibilitychange: headless pages are always visible): closes quietly after 300 ms hidden, reconnects with Last-Event-ID when visible', () =>
    inContext(async (context) => {
      const key = 'hidden'
      const page = await newTab(context, 'hidden')
      await openSource(page, 'a', `/events/${key}?total=100000&batch=1&every=50`, 'p', { pauseWhenHidden: 300 })
      await until('events', async () => (await record(page, 'a')).data.length >= 3)
      const setHidden = (hidden: boolean): Promise<void> =>
        page.evaluate((hidden) => {
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden })
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') })
          document.dispatchEvent(new Event('visibilitychange', { bubbles: true }))
        }, hidden)
      const stream = server.stream(key)
      const hiddenAt = performance.now()
      await setHidden(true)
      await until('the stream paused', () => stream.requests[0]?.closedAt !== undefined, 3000)
      const pausedAfter = (stream.requests[0]?.closedAt as number) - hiddenAt
      lifecycle.hiddenToPauseMs = Math.round(pausedAfter)
      expect(pausedAfter).toBeGreaterThanOrEqual(250)
      expect(pausedAfter).toBeLessThan(1000)
      await new Promise((r) => setTimeout(r, 500))
      expect(stream.requests.length).toBe(1)
      const paused = await record(page, 'a')
      expect(paused.readyState).toBe(0)
      const visibleAt = performance.now()
      await setHidden(false)
      await until('the reconnect', () => stream.requests.length === 2, 3000)
      lifecycle.visibleToRequestMs = Math.round((stream.requests[1]?.at as number) - visibleAt)
      expect((stream.requests[1]?.at as number) - visibleAt).toBeLessThan(500)
      expect(stream.requests[1]?.lastEventId).toBe(paused.lastEventId)
      await until('more events', async () => (await record(page, 'a')).data.length > paused.data.length + 2)
      const rec = await record(page, 'a')
      expect(rec.events.map((e) => e.split('@')[0])).toEqual(['open', 'open'])
      expect(tally(rec.data, rec.data.at(-1) as number)).toEqual({ lost: 0, duplicated: 0, reordered: 0 })
    }), 30_000)
})

describe('share in Node (BroadcastChannel and Web Locks since Node 24.5)', () => {
  it('a shared source closed at once makes no request and throws nothing later', async () => {
    const key = 'node-closed'
    const errors: unknown[] = []
    const onError = (error: unknown): void => void errors.push(error)
    process.on('uncaughtException', onError)
    try {
      // Closed before the sharing module is in: nothing of it is made.
      new EventSource(`${server.origin}/events/${key}?total=5`, { share: true }).close()
      await new Promise((r) => setTimeout(r, 300))
      expect(server.stream(key).requests.length).toBe(0)
      expect(errors).toEqual([])
      const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks
      if (locks !== undefined) expect(await locks.query()).toEqual({ held: [], pending: [] })
    } finally {
      process.off('uncaughtException', onError)
    }
  })

  it('two sources of one realm with share: true make one request and both get every event', async (context) => {
    // Node 22 has BroadcastChannel but no Web Locks: there `share` is an ordinary connection (README).
    if ((globalThis.navigator as { locks?: unknown } | undefined)?.locks === undefined) {
      context.skip(`no Web Locks in Node ${process.version}, so share is an ordinary connection there`)
    }
    const key = 'node'
    const url = `${server.origin}/events/${key}?total=50&batch=5&every=5&gated`
    const sources = [new EventSource(url, { share: true }), new EventSource(url, { share: true })]
    const data: number[][] = sources.map(() => [])
    sources.forEach((source, i) => (source.onmessage = (event) => data[i]?.push(Number(event.data))))
    try {
      await until('both OPEN', () => sources.every((s) => s.readyState === 1))
      server.release(key)
      await until('both have 50 events', () => data.every((d) => d.length >= 50))
      expect(data).toEqual([range(1, 50), range(1, 50)])
      expect(server.stream(key).requests.length).toBe(1)
    } finally {
      for (const source of sources) source.close()
    }
  })
})
