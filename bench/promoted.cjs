// What a worker allocates that outlives a scavenge: preloaded into the bench's
// workers, it samples allocations from PROMOTED_FROM to PROMOTED_TO ms after
// the worker starts (default 6000–11000: inside the tick scenario's window,
// once 10 000 streams are open), drops what two minor GCs then free, and
// writes the allocation stacks of the rest, largest first, to
// reports/promoted.txt. In a steady stream nearly all of that is garbage in
// the old generation, which only a full GC frees: what grows the RSS.
//
//   node bench/run.mjs --scenarios tick --clients eventsource-kit+node --out /tmp/tick.json \
//     --node-flags="--require ./bench/promoted.cjs"
const inspector = require('node:inspector')
const { mkdirSync, writeFileSync } = require('node:fs')

const from = Number(process.env.PROMOTED_FROM ?? 6000)
const to = Number(process.env.PROMOTED_TO ?? 11000)
const session = new inspector.Session()
session.connect()

setTimeout(() => {
  session.post('HeapProfiler.startSampling', { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false })
}, from).unref()

setTimeout(() => {
  // What is still young at the end was never promoted: scavenge it away first.
  globalThis.gc?.({ type: 'minor' })
  globalThis.gc?.({ type: 'minor' })
  session.post('HeapProfiler.getSamplingProfile', (error, result) => {
    if (error) throw error
    const rows = []
    const walk = (node, stack) => {
      const frame = node.callFrame
      const here = [...stack, `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`]
      if (node.selfSize > 0) rows.push({ size: node.selfSize, stack: here.slice(-6).reverse().join(' < ') })
      for (const child of node.children) walk(child, here)
    }
    walk(result.profile.head, [])
    rows.sort((a, b) => b.size - a.size)
    const total = rows.reduce((sum, row) => sum + row.size, 0)
    const lines = rows.slice(0, 25).map((row) => `${(row.size / 1e6).toFixed(1).padStart(6)} MB  ${row.stack}`)
    mkdirSync('reports', { recursive: true })
    writeFileSync('reports/promoted.txt', `${(total / 1e6).toFixed(1)} MB sampled from ${from} to ${to} ms that survived a scavenge (pid ${process.pid}); allocation stacks, innermost first:\n${lines.join('\n')}\n`)
  })
}, to).unref()
