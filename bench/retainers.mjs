// Who holds what an idle connection holds: opens N connections with one client
// (server in its own process, as in the benchmark), takes a heap snapshot and,
// for every object whose name contains NAME, prints the chain of what retains
// it (four levels, the first two retainers at each), grouped and counted.
// bench/heap.mjs says which kinds of object a client adds; this says why.
//
//   node --expose-gc bench/retainers.mjs [client=eventsource-kit] [name=object:URL] [connections=50]
//
// NAME matches "<type>:<name>" as the snapshot has them: `object:Attempt`,
// `closure:onEvent`, `array:` (every array), `(string)` for strings. MIN_SIZE=N
// keeps the objects of N bytes or more.
import { fork } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import { H2_CLIENTS, load } from './clients.mjs'

const [client = 'eventsource-kit', target = 'object:URL', count = '50'] = process.argv.slice(2)
const n = Number(count)
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc')
const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const ports = await new Promise((resolve) => server.once('message', resolve))
// The `+h2` clients reach the server's TLS port (HTTP/2 by ALPN), as in heap.mjs.
const url = H2_CLIENTS.includes(client) ? `https://127.0.0.1:${ports.h2Port}/idle` : `http://127.0.0.1:${ports.port}/idle`
const open = await load(client)

try {
  const closers = []
  await new Promise((resolve, reject) => {
    let opened = 0
    for (let i = 0; i < n; i++) {
      let seen = false
      closers.push(open(url, { data() { if (!seen && (seen = true) && ++opened === n) resolve() }, error: reject }))
    }
  })
  await new Promise((resolve) => setTimeout(resolve, 200))
  globalThis.gc()
  const file = v8.writeHeapSnapshot(join(tmpdir(), `bench-retainers-${process.pid}.heapsnapshot`))
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  rmSync(file)
  printRetainers(snap, target)
  for (const close of closers) close()
} finally {
  server.disconnect()
  server.kill()
}
process.exit(0)

function printRetainers(snap, target) {
  // MIN_SIZE=300: only objects of that many bytes or more (the large arrays among many small ones).
  const minSize = Number(process.env.MIN_SIZE ?? 0)
  const { node_fields: nf, node_types: [types], edge_fields: ef, edge_types: [etypes] } = snap.snapshot.meta
  const [iType, iName, iEdges, iSize] = ['type', 'name', 'edge_count', 'self_size'].map((f) => nf.indexOf(f))
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f))
  const label = (i) => {
    const type = types[snap.nodes[i + iType]]
    return type.includes('string') ? '(string)' : `${type}:${snap.strings[snap.nodes[i + iName]].slice(0, 50)}`
  }
  // Reverse edges: node index → [retainer index, edge label]; weak edges retain nothing.
  const retainers = new Map()
  for (let i = 0, edge = 0; i < snap.nodes.length; i += nf.length) {
    for (let k = 0; k < snap.nodes[i + iEdges]; k++, edge += ef.length) {
      const type = etypes[snap.edges[edge + eType]]
      if (type === 'weak') continue
      const name = type === 'element' || type === 'hidden' ? snap.edges[edge + eName] : snap.strings[snap.edges[edge + eName]]
      const to = snap.edges[edge + eTo]
      let list = retainers.get(to)
      if (list === undefined) retainers.set(to, (list = []))
      list.push([i, `${type}:${name}`])
    }
  }
  const chains = new Map()
  for (let i = 0; i < snap.nodes.length; i += nf.length) {
    if (!label(i).includes(target) || snap.nodes[i + iSize] < minSize) continue
    const chain = [`${label(i)} (${snap.nodes[i + iSize]} B)`]
    let current = i
    for (let depth = 0; depth < 4; depth++) {
      const list = retainers.get(current)
      if (list === undefined) break
      chain.push(list.slice(0, 2).map(([r, edge]) => `${label(r)} .${edge}`).join(' | '))
      current = list[0][0]
    }
    const key = chain.join('\n    <- ')
    chains.set(key, (chains.get(key) ?? 0) + 1)
  }
  console.log(`${client}: objects matching "${target}" with ${n} connections open, by retainer chain`)
  for (const [chain, times] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${times} × ${chain}`)
}
