import { type Case, assertEquals, msg } from './case-kit.js'

// Ported format-field-id* tests: the last event ID string, what resets it, and the UTF-8
// `Last-Event-ID` header it sends on reconnect (last-event-id.py echoes that header's bytes).

const up = (file: string): string => `eventsource/${file}`
const ELLIPSIS = '…' // last-event-id.py's default id: E2 80 A6 on the wire

/** Waits for `count` messages and compares the message entries with `expected`. */
function messages(file: string, url: string, expected: string[], name = file): Case {
  return {
    name,
    upstream: up(file),
    async run(t) {
      const log = t.log(t.open(t.url(url)))
      const entries = await log.until((e) => e.filter((x) => x.startsWith('message:')).length >= expected.length)
      assertEquals(entries.filter((x) => x.startsWith('message:')), expected, 'messages')
    },
  }
}

/** format-field-id-null: an id holding U+0000 is ignored, so the reconnect sends no header. */
const idNull = (label: string, idvalue: string): Case =>
  messages(
    'format-field-id-null.window.js',
    `resources/last-event-id.py?idvalue=${idvalue}`,
    [msg('hello'), msg('hello')],
    `format-field-id-null.window.js ${label}`,
  )

export const lastEventIdCases: Case[] = [
  // The id survives the reconnect and goes out as UTF-8; the echoed bytes decode back to "…".
  messages('format-field-id.any.js', 'resources/last-event-id.py', [msg('hello', ELLIPSIS), msg(ELLIPSIS, ELLIPSIS)]),
  // …and keeps being sent by a second reconnect although the second stream set no id.
  messages('format-field-id-2.any.js', 'resources/last-event-id.py', [
    msg('hello', ELLIPSIS),
    msg(ELLIPSIS, ELLIPSIS),
    msg(ELLIPSIS, ELLIPSIS),
  ]),
  messages(
    'format-field-id-3.window.js',
    'resources/last-event-id2.py?type=1',
    [msg('1', '1'), msg('2', '1'), msg('3', '2'), msg('4', '2')],
    'format-field-id-3.window.js type=1',
  ),
  messages(
    'format-field-id-3.window.js',
    'resources/last-event-id2.py?type=2',
    [msg('1', '1'), msg('2'), msg('3')],
    'format-field-id-3.window.js type=2 (empty id:)',
  ),
  messages(
    'format-field-id-3.window.js',
    'resources/last-event-id2.py?type=3',
    [msg('1', '1'), msg('2'), msg('3')],
    'format-field-id-3.window.js type=3 (bare id)',
  ),
  idNull('%00%00', '%00%00'),
  idNull('x%00', 'x%00'),
  idNull('%00x', '%00x'),
  idNull('x%00x', 'x%00x'),
  idNull('%20%00', '%20%00'),
]
