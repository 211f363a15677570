// The runner semantics the suite relies on, checked wherever it runs: under vitest these pin
// vitest's behaviour, under the shim (Deno, Bun, workerd, Chromium page and workers) they prove
// the shim behaves the same — hook order, skips, `each`, concurrency and inject.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest'

const order: string[] = []

beforeAll(() => void order.push('beforeAll'))
beforeEach(() => void order.push('beforeEach outer'))
afterEach(() => void order.push('afterEach outer'))

describe('hooks', () => {
  beforeEach(() => {
    order.push('beforeEach inner')
    return () => void order.push('beforeEach inner cleanup')
  })
  afterEach(() => void order.push('afterEach inner'))

  it('runs before-hooks parent first', () => {
    order.push('test 1')
    expect(order).toEqual(['beforeAll', 'beforeEach outer', 'beforeEach inner', 'test 1'])
  })

  it('runs after-hooks child first, then beforeEach cleanups, before the next test', () => {
    expect(order.slice(4)).toEqual([
      'afterEach inner',
      'afterEach outer',
      'beforeEach inner cleanup',
      'beforeEach outer',
      'beforeEach inner',
    ])
  })
})

describe('skipping', () => {
  let ran = false
  it.skip('it.skip does not run', () => {
    ran = true
  })
  it.skipIf(true)('it.skipIf(true) does not run', () => {
    ran = true
  })
  it('context.skip() ends the test as skipped', (context) => {
    context.skip()
    ran = true
  })
  it('none of them ran', () => expect(ran).toBe(false))
})

describe('each', () => {
  const seen: unknown[] = []
  it.each([
    [1, 2],
    [3, 4],
  ])('spreads array rows: %i + %i', (a, b) => void seen.push(a + b))
  it.each([{ x: 'a' }, { x: 'b' }])('passes object rows: $x', ({ x }) => void seen.push(x))
  it('ran every row in order', () => expect(seen).toEqual([3, 7, 'a', 'b']))
})

describe('concurrency', () => {
  const started: number[] = []
  let running = 0
  let most = 0
  const slow = (i: number) => async () => {
    started.push(i)
    running++
    most = Math.max(most, running)
    await new Promise((resolve) => setTimeout(resolve, 50))
    running--
  }
  describe.concurrent('in a concurrent suite', () => {
    for (let i = 0; i < 3; i++) it(`task ${i}`, slow(i))
  })
  it('ran the concurrent tests side by side, in order of start', () => {
    expect(started).toEqual([0, 1, 2])
    expect(most).toBe(3)
  })
})

describe('vi and inject', () => {
  it('vi.fn records calls', () => {
    const fn = vi.fn((x: number) => x * 2)
    expect(fn(21)).toBe(42)
    expect(fn).toHaveBeenCalledWith(21)
  })
  it('vi.stubGlobal and unstubAllGlobals', () => {
    vi.stubGlobal('__harnessProbe', 1)
    expect(Reflect.get(globalThis, '__harnessProbe')).toBe(1)
    vi.unstubAllGlobals()
    expect(Reflect.get(globalThis, '__harnessProbe')).toBeUndefined()
  })
  it('inject returns what the globalSetup provided', () => {
    expect(inject('sseOrigin')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
  it('rejects async assertions', async () => {
    await expect(Promise.reject(new Error('no'))).rejects.toThrow('no')
  })
})

afterAll(() => {
  // A failure here is reported against the file: every test above ran its hooks.
  expect(order.filter((entry) => entry === 'afterEach outer').length).toBeGreaterThanOrEqual(2)
})
