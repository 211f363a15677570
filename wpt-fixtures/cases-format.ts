import { type Case, type LogEntry, assert, assertEquals, msg } from './case-kit.js'

// Ported `format-*` tests and event-data: what the parser makes of message.py's bytes.

const up = (file: string): string => `eventsource/${file}`

/**
 * A parser case: open message.py with upstream's query and compare every event of the first
 * connection (up to the `error` of its reconnect) with what the spec requires.
 */
function parsed(file: string, query: string, expected: LogEntry[], types: string[] = ['message']): Case {
  return {
    name: file,
    upstream: up(file),
    async run(t) {
      const log = t.log(t.open(t.url(`resources/message.py?${query}`)), types)
      const entries = await log.untilError(0)
      assertEquals(entries, ['open', ...expected, 'error:0'], 'events of the first connection')
    },
  }
}

/** format-mime-*: a wrong Content-Type fails the connection: one error, CLOSED, no open. */
function badMime(file: string, mime: string): Case {
  return {
    name: file,
    upstream: up(file),
    async run(t) {
      const log = t.log(t.open(t.url(`resources/message.py?mime=${mime}`)))
      await log.until((e) => e.length > 0)
      assertEquals(log.entries, ['error:2'], 'events')
      assert(!('data' in (log.events[0] as Event)), 'the error event is a plain Event')
    },
  }
}

/**
 * format-field-retry*: the reconnection time is read from the gap between the two `open` events,
 * which upstream accepts within ±25 % of 3000 ms.
 */
function retryTiming(file: string, query: string): Case {
  return {
    name: file,
    upstream: up(file),
    timeout: 12_000,
    async run(t) {
      const log = t.log(t.open(t.url(`resources/message.py?${query}`)))
      await log.until((e) => e.filter((x) => x === 'open').length === 2)
      const [first, second] = log.entries.flatMap((entry, i) => (entry === 'open' ? [log.times[i] as number] : []))
      const gap = (second as number) - (first as number)
      assert(gap >= 2250 && gap <= 3750, `reconnected after ${Math.round(gap)} ms, expected 3000 ms ±25 %`)
    },
  }
}

// format-comments' query: comments ending in CR, LF and CRLF, one holding a NUL, and two 2 KB long.
const LONG = 'x'.repeat(2048)
const COMMENTS = encodeURI(`data:1\r:\0\n:\r\ndata:2\n:${LONG}\rdata:3\n:data:fail\r:${LONG}\ndata:4\n`)
const FIELD_PARSING = encodeURI(
  'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n',
)

export const formatCases: Case[] = [
  {
    name: 'event-data.any.js',
    upstream: up('event-data.any.js'),
    async run(t) {
      // message2.py never ends its response, so wait for the three events of one block.
      const log = t.log(t.open(t.url('resources/message2.py')))
      const entries = await log.until((e) => e.length >= 4)
      assertEquals(entries.slice(0, 4), ['open', msg('msg\nmsg'), msg(''), msg('end')], 'events')
    },
  },
  parsed('format-bom.any.js', 'message=%EF%BB%BFdata%3A1%0A%0A%EF%BB%BFdata%3A2%0A%0Adata%3A3', [msg('1'), msg('3')]),
  parsed('format-bom-2.any.js', 'message=%EF%BB%BF%EF%BB%BFdata%3A1%0A%0Adata%3A2%0A%0Adata%3A3', [msg('2'), msg('3')]),
  parsed('format-comments.any.js', `message=${COMMENTS}&newline=none`, [msg('1\n2\n3\n4')]),
  {
    name: 'format-data-before-final-empty-line.any.js',
    upstream: up('format-data-before-final-empty-line.any.js'),
    timeout: 10_000,
    async run(t) {
      // The unterminated `id:test` block is discarded, so the second connection's event still
      // carries lastEventId "" (and no Last-Event-ID was sent).
      const query = 'newline=none&message=retry%3A1000%0Adata%3Atest1%0A%0Aid%3Atest%0Adata%3Atest2'
      const log = t.log(t.open(t.url(`resources/message.py?${query}`)))
      const entries = await log.until((e) => e.filter((x) => x.startsWith('message:')).length === 2)
      assertEquals(entries, ['open', msg('test1'), 'error:0', 'open', msg('test1')], 'events')
    },
  },
  parsed('format-field-data.any.js', 'message=data%3A%0A%0Adata%0Adata%0A%0Adata%3Atest', [msg(''), msg('\n'), msg('test')]),
  parsed('format-field-event-empty.any.js', 'message=event%3A%20%0Adata%3Adata', [msg('data')]),
  parsed(
    'format-field-event.any.js',
    'message=event%3Atest%0Adata%3Ax%0A%0Adata%3Ax',
    [msg('x', '', 'test'), msg('x')],
    ['message', 'test'],
  ),
  parsed('format-field-parsing.any.js', `message=${FIELD_PARSING}&newline=none`, [msg('\0\n 2\n1\n3\n\n4')]),
  retryTiming('format-field-retry.any.js', 'message=retry%3A03000%0Adata%3Ax'),
  retryTiming('format-field-retry-bogus.any.js', 'message=retry%3A3000%0Aretry%3A1000x%0Adata%3Ax'),
  parsed('format-field-retry-empty.any.js', 'message=retry%0Adata%3Atest', [msg('test')]),
  parsed(
    'format-field-unknown.any.js',
    'message=data%3Atest%0A%20data%0Adata%0Afoobar%3Axxx%0Ajustsometext%0A%3Athisisacommentyay%0Adata%3Atest',
    [msg('test\n\ntest')],
  ),
  parsed('format-leading-space.any.js', 'message=data%3A%09test%0Ddata%3A%20%0Adata%3Atest', [msg('\ttest\n\ntest')]),
  badMime('format-mime-bogus.any.js', 'x%20bogus'),
  badMime('format-mime-valid-bogus.any.js', 'text/x-bogus'),
  parsed('format-mime-trailing-semicolon.any.js', 'mime=text/event-stream%3B', [msg('data')]),
  parsed('format-newlines.any.js', 'message=data%3Atest%0D%0Adata%0Adata%3Atest%0D%0A%0D&newline=none', [msg('test\n\ntest')]),
  parsed('format-null-character.any.js', 'message=data%3A%00%0A%0A', [msg('\0')]),
  parsed('format-utf-8.any.js', 'mime=text/event-stream%3bcharset=windows-1252&message=data%3Aok%E2%80%A6', [msg('ok…')]),
]
