// NODE-ONLY (reads the repository). Issue 20: "the README has no link that leads nowhere". Every
// relative link in the documents a reader follows points at a file git tracks (so not at
// reports/, which is ignored, nor at ../shared/, which is not in the repository), and every
// #fragment at a heading of its target, slugged as GitHub slugs headings.

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const DOCUMENTS = ['README.md', 'CHANGELOG.md', 'bench/README.md', 'soak/WHAT-HAPPENS.md']
const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean))
const trackedDirs = new Set([...tracked].flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))

/** GitHub's heading anchor: lowercased, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{Letter}\p{Number}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The anchors of a Markdown file's headings, with GitHub's -1, -2 … for repeats. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  let fenced = false
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const match = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line)
    if (match === null) continue
    const base = slug((match[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'))
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

/** Relative links outside code: `[text](target)`, targets without a scheme. */
function links(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
}

describe('documents link only to what is there', () => {
  it('the slugs follow GitHub', () => {
    expect(slug('Sleep, back/forward cache, offline')).toBe('sleep-backforward-cache-offline')
    expect(slug('Drop-in `EventSource`')).toBe('drop-in-eventsource')
    expect(slug('What happens when…')).toBe('what-happens-when')
  })

  for (const document of DOCUMENTS) {
    it(`${document}: every relative link and #fragment resolves`, () => {
      const broken: string[] = []
      for (const target of links(document)) {
        const [path = '', fragment] = target.split('#')
        const file = path === '' ? document : normalize(relative(ROOT, resolve(ROOT, dirname(document), path)))
        if (path !== '' && !tracked.has(file) && !trackedDirs.has(file.replace(/\/$/, ''))) {
          broken.push(`${target}: ${file} is not in the repository`)
          continue
        }
        if (fragment !== undefined && file.endsWith('.md') && !anchors(file).has(fragment)) broken.push(`${target}: no heading #${fragment} in ${file}`)
      }
      expect(broken).toEqual([])
    })
  }
})
