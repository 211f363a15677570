import { type Case, type TestContext, assert, assertEquals, msg, sleep } from './case-kit.js'

// Tests from open pull requests (whatwg/html #12272, web-platform-tests #58550) for
// `EventSource.fromReadableStream(stream)`: the parser fed from any byte stream, with `url`
// "about:event-stream", events whose `origin` is "null", `lastEventId`/`reconnectionTime` getters
// and no reconnection. Where the method is absent the cases skip — they never pass vacuously.

const FILE = 'eventsource-from-readable-stream.any.js'
const up = (file: string): string => `eventsource/${file}`

interface StreamSource extends EventSource {
  readonly lastEventId: string
  readonly reconnectionTime: number
}
type FromReadableStream = (stream: ReadableStream<Uint8Array>) => StreamSource

function fromReadableStream(t: TestContext): FromReadableStream {
  const method = (t.EventSource as unknown as { fromReadableStream?: FromReadableStream }).fromReadableStream
  if (typeof method !== 'function') t.skip('EventSource.fromReadableStream is not implemented yet')
  return method.bind(t.EventSource)
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A stream that yields `chunks` and then closes (or stays open with `keepOpen`). */
function streamOf(chunks: Uint8Array[], keepOpen = false): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      if (!keepOpen) controller.close()
    },
  })
}

/** Splits `bytes` into one-byte chunks: every boundary, including inside CRLF, BOM and UTF-8. */
const bytewise = (bytes: Uint8Array): Uint8Array[] => Array.from(bytes, (b) => Uint8Array.of(b))

function streamCase(subtest: string, run: (t: TestContext, from: FromReadableStream) => Promise<void>): Case {
  return { name: `${FILE} ${subtest}`, upstream: up(FILE), run: (t) => run(t, fromReadableStream(t)) }
}

/** Opens a stream source tracked by `t` (closed at the end) and logs its events. */
function open(t: TestContext, from: FromReadableStream, stream: ReadableStream<Uint8Array>, types?: string[]) {
  const source = from(stream)
  t.track(source)
  return { source, log: t.log(source, types) }
}

export const readableStreamCases: Case[] = [
  streamCase('url and origin', async (t, from) => {
    const { source, log } = open(t, from, streamOf([encode('data: a\n\n')], true))
    assertEquals(source.url, 'about:event-stream', 'url')
    await log.until((e) => e.some((x) => x.startsWith('message:')))
    const event = log.events.find((e) => e.type === 'message') as MessageEvent
    assertEquals([event.data, event.origin], ['a', 'null'], '[data, origin]')
  }),
  streamCase('chunk splitting', async (t, from) => {
    const { log } = open(t, from, streamOf(bytewise(encode('event: e\ndata: ok…\r\nid: 1\r\n\r\n')), true), ['e'])
    await log.until((e) => e.some((x) => x.startsWith('e:')))
    assertEquals(log.entries.filter((x) => x.startsWith('e:')), [msg('ok…', '1', 'e')], 'events')
  }),
  streamCase('CR, LF and CRLF', async (t, from) => {
    const { log } = open(t, from, streamOf([encode('data: 1\r\rdata: 2\n\ndata: 3\r\n\r\n')], true))
    await log.until((e) => e.filter((x) => x.startsWith('message:')).length >= 3)
    assertEquals(log.entries.filter((x) => x.startsWith('message:')), [msg('1'), msg('2'), msg('3')], 'events')
  }),
  streamCase('BOM', async (t, from) => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf)
    const { log } = open(t, from, streamOf([bom, bom, encode('data: 1\n\ndata: 2\n\n')], true))
    await log.until((e) => e.filter((x) => x.startsWith('message:')).length >= 1)
    await sleep(50)
    // One BOM is stripped; the second makes the first field an unknown one.
    assertEquals(log.entries.filter((x) => x.startsWith('message:')), [msg('2')], 'events')
  }),
  streamCase('end of stream', async (t, from) => {
    const { source, log } = open(t, from, streamOf([encode('data: a\n\n')]))
    await log.until((e) => e.some((x) => x.startsWith('error:')))
    assertEquals(source.readyState, source.CLOSED, 'readyState after the stream ended')
    await sleep(200)
    assert(!log.entries.slice(log.entries.indexOf('error:2') + 1).includes('open'), 'no reconnection')
  }),
  streamCase('lastEventId and reconnectionTime across piped streams', async (t, from) => {
    const pipe = new TransformStream<Uint8Array, Uint8Array>()
    const { source, log } = open(t, from, pipe.readable)
    await streamOf([encode('id: 7\nretry: 1234\ndata: x\n\n')]).pipeTo(pipe.writable, { preventClose: true })
    await log.until((e) => e.includes(msg('x', '7')))
    assertEquals([source.lastEventId, source.reconnectionTime], ['7', 1234], '[lastEventId, reconnectionTime]')
    await streamOf([encode('data: y\n\n')]).pipeTo(pipe.writable, { preventClose: true })
    await log.until((e) => e.includes(msg('y', '7')))
  }),
  {
    name: 'eventsource-from-readable-stream-fetch.window.js',
    upstream: up('eventsource-from-readable-stream-fetch.window.js'),
    async run(t) {
      const from = fromReadableStream(t)
      const response = await fetch(t.url('resources/message.py'))
      assert(response.body !== null, 'message.py has a body')
      const { log } = open(t, from, response.body)
      await log.until((e) => e.some((x) => x.startsWith('message:')))
      assertEquals(log.entries.find((x) => x.startsWith('message:')), msg('data'), 'message')
    },
  },
]
