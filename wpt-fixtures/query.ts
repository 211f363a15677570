// wptserve hands handlers query values as *bytes*: percent-escapes are decoded to raw octets and
// `+` becomes a space. Tests such as format-bom (`%EF%BB%BF`) and format-field-id-null (`%00`)
// depend on the exact octets reaching the response body, so values are kept as Buffers and never
// round-tripped through a JS string.

/** Query parameters of one request: name → value bytes (first occurrence wins, as `request.GET.first`). */
export type Query = ReadonlyMap<string, Buffer>

function percentDecode(raw: string): Buffer {
  // The request target arrives as a latin1 string (Node's HTTP parser); anything that was not
  // escaped is taken byte for byte.
  const input = Buffer.from(raw.replaceAll('+', ' '), 'latin1')
  const out = Buffer.alloc(input.length)
  let n = 0
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] as number
    if (byte === 0x25 && isHex(input[i + 1]) && isHex(input[i + 2])) {
      out[n++] = Number.parseInt(input.subarray(i + 1, i + 3).toString('latin1'), 16)
      i += 2
    } else {
      out[n++] = byte
    }
  }
  return out.subarray(0, n)
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && /^[0-9a-fA-F]$/.test(String.fromCharCode(byte))
}

/** Parses the query part of a request target (`/path?a=b&c`) the way wptserve does. */
export function parseQuery(target: string): Query {
  const query = new Map<string, Buffer>()
  const at = target.indexOf('?')
  if (at === -1) return query
  for (const pair of target.slice(at + 1).split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    // A bare name (`ok_first`, `newline` without a value) is present with an empty value:
    // status-reconnect.py only tests for presence.
    const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq)).toString('latin1')
    const value = percentDecode(eq === -1 ? '' : pair.slice(eq + 1))
    if (!query.has(name)) query.set(name, value)
  }
  return query
}

/** A parameter as text (latin1, so every byte maps to one char), or `fallback` when absent. */
export function text(query: Query, name: string, fallback: string): string {
  const value = query.get(name)
  return value === undefined ? fallback : value.toString('latin1')
}
