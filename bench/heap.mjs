// What an idle connection holds: opens N connections with one client (server
// in its own process, as in the benchmark), takes a heap snapshot before and
// after, and prints the growth per connection by constructor / object shape.
// Run it for a client and for the floor and compare the two lists.
//
//   node --expose-gc bench/heap.mjs [client=eventsource-kit] [connections=300]
import { fork } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import { H2_CLIENTS, load } from './clients.mjs'

const [client = 'eventsource-kit', count = '300'] = process.argv.slice(2)
const n = Number(count)
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc')
const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const ports = await new Promise((resolve) => server.once('message', resolve))
// The `+h2` clients reach the server's TLS port (HTTP/2 by ALPN).
const url = H2_CLIENTS.includes(client) ? `https://127.0.0.1:${ports.h2Port}/idle` : `http://127.0.0.1:${ports.port}/idle`
const open = await load(client)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function openMany(k) {
  const closers = []
  await new Promise((resolve, reject) => {
    let opened = 0
    for (let i = 0; i < k; i++) {
      let seen = false
      closers.push(
        open(url, {
          data() {
            if (!seen && (seen = true) && ++opened === k) resolve()
          },
          error: reject,
        }),
      )
    }
  })
  return closers
}

async function settle() {
  await sleep(100)
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await sleep(30)
  }
}

/** Self size and count per category: constructor name, or property names for plain objects and closures. */
function summarize() {
  const file = v8.writeHeapSnapshot(join(tmpdir(), `bench-heap-${process.pid}-${Date.now()}.heapsnapshot`))
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  rmSync(file)
  const { node_fields: nf, node_types: [types], edge_fields: ef, edge_types: [etypes] } = snap.snapshot.meta
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f))
  const [eType, eName] = ['type', 'name_or_index'].map((f) => ef.indexOf(f))
  const by = new Map()
  let edge = 0
  for (let i = 0; i < snap.nodes.length; i += nf.length) {
    const type = types[snap.nodes[i + iType]]
    let name = snap.strings[snap.nodes[i + iName]]
    const props = []
    for (let k = 0; k < snap.nodes[i + iEdges]; k++, edge += ef.length) {
      if (etypes[snap.edges[edge + eType]] === 'property' && props.length < 8) props.push(snap.strings[snap.edges[edge + eName]])
    }
    if (type.includes('string')) name = '(string)'
    else if (type === 'code' || type === 'hidden' || type === 'array') name = `(${type}) ${name.slice(0, 40)}`
    else if (type === 'closure') name = `closure ${name || '(anonymous)'}`
    else if (type !== 'object') name = `(${type}) ${name.slice(0, 40)}`
    if (name === 'Object' || name === 'Array') name += ` {${props.filter((p) => p !== '__proto__').join(',')}}`
    const entry = by.get(name) ?? { count: 0, size: 0 }
    entry.count++
    entry.size += snap.nodes[i + iSize]
    by.set(name, entry)
  }
  return by
}

try {
  for (const close of await openMany(1)) close()
  await settle()
  const before = summarize()
  const closers = await openMany(n)
  await settle()
  const after = summarize()
  const rows = []
  let total = 0
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, size: 0 }
    const size = (a.size - b.size) / n
    total += size
    if (Math.abs(size) >= 8) rows.push([name, (a.count - b.count) / n, size])
  }
  rows.sort((x, y) => y[2] - x[2])
  console.log(`${client}: ${total.toFixed(0)} B per connection in the heap snapshot (${n} connections)`)
  console.log('  B/conn  objects/conn  what')
  for (const [name, c, size] of rows.slice(0, Number(process.env.HEAP_ROWS ?? 40))) console.log(`${size.toFixed(0).padStart(8)}  ${c.toFixed(2).padStart(12)}  ${name}`)
  for (const close of closers) close()
} finally {
  server.disconnect()
  server.kill()
}
process.exit(0)
