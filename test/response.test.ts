// How an EventSource reacts to each kind of response (HTML §9.2.2 step 15 and
// §9.2.3): network errors and the end of the body reestablish the connection
// (`error` with readyState CONNECTING, then a new request); a status other
// than 200 or a Content-Type other than text/event-stream fails it (`error`
// with readyState CLOSED, and never another request).
//
// "No reconnect" is checked after a first attempt that set `retry: 50`, so a
// client that wrongly reconnects does so within ~50 ms, and a 500 ms window
// (10× that) is enough to see it.

import { afterEach, describe, expect, inject, it } from 'vitest'
import { EventSource } from '../src/index.js'
import { attempts, closeAll, collect, delay, scriptUrl, signal, track, uniqueKey } from './support/script.js'
import type { Attempt } from './support/script.js'

const origin = inject('sseOrigin')
const refusedOrigin = inject('sseRefusedOrigin')

/** Long enough for a client that wrongly reconnects after `retry: 50` to do
 *  so ten times over. */
const NO_RECONNECT_WINDOW_MS = 500

afterEach(closeAll)

/** A first attempt that works and sets a short reconnection time, then `next`. */
function afterShortRetry(next: Attempt, then?: Attempt): Attempt[] {
  const script: Attempt[] = [{ chunks: ['retry: 50\ndata: a\n\n'] }, next]
  if (then !== undefined) script.push(then)
  return script
}

describe('network errors reestablish the connection', () => {
  it('connection refused → error with readyState CONNECTING, no open', async () => {
    const es = track(new EventSource(`${refusedOrigin}/refused`))
    const events = collect(es)
    await events.waitFor(1)
    // §9.2.2 step 15.2: "Otherwise, if res is a network error, then
    // reestablish the connection" — whose task sets CONNECTING and fires
    // error (§9.2.3 reestablish step 1); failing would set CLOSED instead.
    expect(events.summary()).toEqual(['error @0'])
    expect(es.readyState).toBe(EventSource.CONNECTING)
  })

  it('socket destroyed before the response → error @CONNECTING, then a new request', async () => {
    const key = uniqueKey('response-destroy-headers')
    const script = afterShortRetry({ destroyBeforeHeaders: true }, { chunks: ['data: b\n\n'], end: 'hang' })
    const es = track(new EventSource(scriptUrl(origin, key, script)))
    const events = collect(es)
    await events.waitFor(6)
    // §9.2.2 step 15.2 (network error → reestablish), twice: once for the end
    // of the first body, once for the destroyed second attempt.
    expect(events.summary()).toEqual([
      'open @1',
      'message "a" @1',
      'error @0',
      'error @0',
      'open @1',
      'message "b" @1',
    ])
    expect((await attempts(origin, key)).length).toBe(3)
  })

  it('socket destroyed mid-body → the partial event is dropped and the connection reestablished', async () => {
    const key = uniqueKey('response-destroy-body')
    const es = track(
      new EventSource(
        scriptUrl(origin, key, [
          { chunks: ['retry: 50\ndata: a\n\ndata: partial'], end: 'destroy' },
          { chunks: ['data: b\n\n'], end: 'hang' },
        ]),
      ),
    )
    const events = collect(es)
    await events.waitFor(5)
    // §9.2.6: "If the file ends in the middle of an event, before the final
    // empty line, the incomplete event is not dispatched."
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0', 'open @1', 'message "b" @1'])
  })

  it('socket destroyed on the very first request → reconnects after the default delay', async () => {
    const key = uniqueKey('response-destroy-first')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ destroyBeforeHeaders: true }, { chunks: ['data: b\n\n'], end: 'hang' }])),
    )
    const events = collect(es)
    // No `retry:` could be read, so the initial reconnection time applies.
    await events.waitFor(3, 8_000)
    expect(events.summary()).toEqual(['error @0', 'open @1', 'message "b" @1'])
  })
})

describe('the end of the body reestablishes the connection', () => {
  it('open, message, error @CONNECTING, then open and message on the new request', async () => {
    const key = uniqueKey('response-eof')
    const es = track(new EventSource(scriptUrl(origin, key, afterShortRetry({ chunks: ['data: b\n\n'], end: 'hang' }))))
    const events = collect(es)
    await events.waitFor(5)
    // §9.2.2 step 14: "if res is not a network error, then reestablish the
    // connection."
    expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0', 'open @1', 'message "b" @1'])
    expect((await attempts(origin, key)).map((r) => r.attempt)).toEqual([0, 1])
  })

  it('a 200 body with no events still opens, then reconnects', async () => {
    const key = uniqueKey('response-empty')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ chunks: ['retry: 50\n'] }, { chunks: ['data: b\n\n'], end: 'hang' }])),
    )
    const events = collect(es)
    await events.waitFor(4)
    expect(events.summary()).toEqual(['open @1', 'error @0', 'open @1', 'message "b" @1'])
  })

  it('announces the connection when the response arrives, before any body bytes', async () => {
    const key = uniqueKey('response-announce')
    const es = track(new EventSource(scriptUrl(origin, key, [{ chunks: [{ await: 'body' }, 'data: a\n\n'], end: 'hang' }])))
    const events = collect(es)
    // §9.2.2 step 15.4: "announce the connection and interpret res's body"
    // happens in processResponse, i.e. once the headers are in.
    await events.waitFor(1)
    expect(events.summary()).toEqual(['open @1'])
    await signal(origin, key, 'body')
    await events.waitFor(2)
    expect(events.summary()).toEqual(['open @1', 'message "a" @1'])
  })
})

describe('a status other than 200 fails the connection', () => {
  // §9.2.2 step 15.3: "if res's status is not 200 ... then fail the
  // connection." §9.2.3 fail: "sets the readyState attribute to CLOSED and
  // fires an event named error ... Once the user agent has failed the
  // connection, it does not attempt to reconnect."
  const statuses: Array<[number, Attempt]> = [
    [201, { status: 201, chunks: ['data: x\n\n'] }],
    [204, { status: 204 }],
    [206, { status: 206, chunks: ['data: x\n\n'] }],
    [302, { status: 302, headers: { 'Content-Type': 'text/event-stream' }, chunks: ['data: x\n\n'] }],
    [404, { status: 404, chunks: ['data: x\n\n'] }],
    [500, { status: 500, chunks: ['data: x\n\n'] }],
    [503, { status: 503, chunks: ['retry: 10\ndata: x\n\n'] }],
  ]

  for (const [status, attempt] of statuses) {
    const what = status === 302 ? '302 without Location' : String(status)
    it(`${what} on the first request → one error @CLOSED, no open`, async () => {
      const key = uniqueKey(`response-status-${status}`)
      const es = track(new EventSource(scriptUrl(origin, key, [attempt])))
      const events = collect(es)
      await events.waitFor(1)
      expect(es.readyState).toBe(EventSource.CLOSED)
      await delay(NO_RECONNECT_WINDOW_MS)
      expect(events.summary()).toEqual(['error @2'])
      expect((await attempts(origin, key)).length).toBe(1)
    })

    it(`${what} on a reconnect → error @CONNECTING, error @CLOSED, no further request`, async () => {
      const key = uniqueKey(`response-status-re-${status}`)
      const es = track(new EventSource(scriptUrl(origin, key, afterShortRetry(attempt, { chunks: ['data: c\n\n'] }))))
      const events = collect(es)
      await events.waitFor(4)
      await delay(NO_RECONNECT_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0', 'error @2'])
      expect((await attempts(origin, key)).length).toBe(2)
    })
  }
})

describe('the MIME type must be text/event-stream', () => {
  // §9.2.2 step 15.3: "if res's `Content-Type` is not `text/event-stream`,
  // then fail the connection." The check is on the MIME type's essence, so
  // parameters are ignored and type/subtype compare ASCII case-insensitively
  // (MIME Sniffing: parse a MIME type lowercases type and subtype).
  const accepted = [
    'text/event-stream',
    'Text/Event-Stream; charset=utf-8',
    'TEXT/EVENT-STREAM',
    'text/event-stream;charset=UTF-8',
    'text/event-stream; foo=bar',
  ]
  for (const contentType of accepted) {
    it(`accepts ${JSON.stringify(contentType)}`, async () => {
      const key = uniqueKey('response-mime-ok')
      const es = track(
        new EventSource(
          scriptUrl(origin, key, [{ headers: { 'Content-Type': contentType }, chunks: ['data: ok\n\n'], end: 'hang' }]),
        ),
      )
      const events = collect(es)
      await events.waitFor(2)
      expect(events.summary()).toEqual(['open @1', 'message "ok" @1'])
    })
  }

  const rejected: Array<[string, Record<string, string>]> = [
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['a missing Content-Type', {}],
    ['an empty Content-Type', { 'Content-Type': '' }],
    ['text/event-streams', { 'Content-Type': 'text/event-streams' }],
    ['text/event-stream-x', { 'Content-Type': 'text/event-stream-x' }],
    ['application/octet-stream', { 'Content-Type': 'application/octet-stream' }],
    ['text/html with an event-stream parameter', { 'Content-Type': 'text/html; x=text/event-stream' }],
  ]
  for (const [what, headers] of rejected) {
    it(`fails on ${what} (on a reconnect): error @CLOSED, no further request`, async () => {
      const key = uniqueKey('response-mime-bad')
      const es = track(
        new EventSource(scriptUrl(origin, key, afterShortRetry({ headers, chunks: ['data: x\n\n'] }, {}))),
      )
      const events = collect(es)
      await events.waitFor(4)
      await delay(NO_RECONNECT_WINDOW_MS)
      expect(events.summary()).toEqual(['open @1', 'message "a" @1', 'error @0', 'error @2'])
      expect(es.readyState).toBe(EventSource.CLOSED)
      expect((await attempts(origin, key)).length).toBe(2)
    })
  }

  it('fails on text/plain on the first request too', async () => {
    const key = uniqueKey('response-mime-first')
    const es = track(
      new EventSource(scriptUrl(origin, key, [{ headers: { 'Content-Type': 'text/plain' }, chunks: ['data: x\n\n'] }])),
    )
    const events = collect(es)
    await events.waitFor(1)
    await delay(NO_RECONNECT_WINDOW_MS)
    expect(events.summary()).toEqual(['error @2'])
    expect((await attempts(origin, key)).length).toBe(1)
  })
})
