// Where the RSS of many idle HTTP/1.1 streams goes: opens N streams to the
// bench server's /idle (its own process), 500 at a time, each having had its
// first bytes, and prints per stream the growth after gc() of RSS, of the heap
// V8 has committed (heapTotal) and of the heap in use (heapUsed).
//
//   npm run build && node --expose-gc bench/rss.mjs [layer=http] [streams=10000]
//
// Layers: `net` a raw TCP socket that sent the request (no HTTP client);
// `http` node:http alone (a response with a 'data' listener); `kit` this
// library's EventSource as Node resolves it (the Node transport). Each layer
// runs in a process of its own; 10 000 streams need `ulimit -n` above 10 000.
import { fork } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'

const [layer = 'http', count = '10000'] = process.argv.slice(2)
const n = Number(count)
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc')
if (!['net', 'http', 'kit'].includes(layer)) throw new Error(`unknown layer ${layer}: net, http or kit`)
const { EventSource } = await import('../dist/index.node.js')
const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const { port } = await new Promise((resolve) => server.once('message', resolve))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const kept = []

function openOne() {
  return new Promise((resolve) => {
    if (layer === 'net') {
      const socket = net.connect(port, '127.0.0.1')
      kept.push(socket)
      socket.write('GET /idle HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n')
      socket.on('data', resolve)
    } else if (layer === 'http') {
      const request = http.get({ host: '127.0.0.1', port, path: '/idle', headers: { accept: 'text/event-stream' } }, (response) => {
        kept.push(response)
        response.on('data', resolve)
      })
      kept.push(request)
    } else {
      const source = new EventSource(`http://127.0.0.1:${port}/idle`)
      kept.push(source)
      source.onmessage = resolve
    }
  })
}

async function settle() {
  await sleep(300)
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await sleep(50)
  }
}

// A few first, so that the baseline holds what any stream loads once.
for (let i = 0; i < 20; i++) await openOne()
await settle()
const before = process.memoryUsage()
for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, openOne))
await settle()
const after = process.memoryUsage()
const per = (key) => `${((after[key] - before[key]) / n / 1024).toFixed(2)} KiB`
console.log(`${layer.padEnd(5)} ${n} streams, per stream: RSS ${per('rss')}, heap committed ${per('heapTotal')}, heap used ${per('heapUsed')}`)
server.kill()
process.exit(0)
