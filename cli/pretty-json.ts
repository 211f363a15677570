/**
 * Indents JSON text without parsing it into values: number and string tokens
 * are copied byte for byte, so `12345678901234567890` stays as sent (a
 * `JSON.parse` round trip would round it to `12345678901234567000`).
 */

/**
 * Re-indents `text` when it is one JSON object or array; returns `undefined`
 * when it is not JSON (the caller then prints the data as sent).
 *
 * @example
 * indentJson('{"big": 12345678901234567890}') // '{\n  "big": 12345678901234567890\n}'
 */
export function indentJson(text: string, indent = '  '): string | undefined {
  const tokens = tokenize(text)
  if (tokens === undefined || !isValid(text)) return undefined
  let out = ''
  let depth = 0
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string
    const next = tokens[i + 1]
    if (token === '{' || token === '[') {
      // An empty container stays on one line: `{}`, `[]`.
      if (next === '}' || next === ']') {
        out += token + next
        i++
        continue
      }
      depth++
      out += `${token}\n${indent.repeat(depth)}`
    } else if (token === '}' || token === ']') {
      depth--
      out += `\n${indent.repeat(depth)}${token}`
    } else if (token === ',') {
      out += `,\n${indent.repeat(depth)}`
    } else if (token === ':') {
      out += ': '
    } else {
      out += token
    }
  }
  return out
}

/** Structural validity: `JSON.parse` rejects what is not JSON; its values are thrown away. */
function isValid(text: string): boolean {
  const first = text.trimStart()[0]
  if (first !== '{' && first !== '[') return false
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Splits JSON text into tokens, whitespace between tokens dropped, token text kept verbatim. */
function tokenize(text: string): string[] | undefined {
  const tokens: string[] = []
  let i = 0
  while (i < text.length) {
    const char = text[i] as string
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++
    } else if ('{}[],:'.includes(char)) {
      tokens.push(char)
      i++
    } else if (char === '"') {
      let end = i + 1
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      if (end >= text.length) return undefined
      tokens.push(text.slice(i, end + 1))
      i = end + 1
    } else {
      // A number, true, false or null: everything up to the next delimiter.
      let end = i
      while (end < text.length && !' \t\n\r{}[],:"'.includes(text[end] as string)) end++
      tokens.push(text.slice(i, end))
      i = end
    }
  }
  return tokens
}
