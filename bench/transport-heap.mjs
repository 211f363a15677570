// Where the Node transport's idle heap goes, layer by layer: 1 000 idle
// HTTP/1.1 streams to the bench server (its own process) per layer, heap and
// RSS growth per stream from process.memoryUsage() after GC.
//
//   npm run build && node --expose-gc bench/transport-heap.mjs [layer]
//
// Layers: `plain` node:http (a response, one 'data' read); `web` the same
// response as the web ReadableStream the transport makes (body-stream.ts),
// one read pending; `response` that stream in a Response with its Headers;
// `nodeFetch` the transport itself; `fetch` Node's global fetch; `plain-h2`
// node:http2 alone: streams on one TLS session (the bench server's HTTP/2
// port), each paused after its first chunk with a 'readable' listener, the
// least any HTTP/2 client holds per extra stream. With no argument every
// layer runs, each in its own process.
import { execFileSync, fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import { fileURLToPath } from 'node:url'

const LAYERS = ['plain', 'web', 'response', 'nodeFetch', 'fetch', 'plain-h2']
const layer = process.argv[2]
if (layer === undefined) {
  for (const each of LAYERS) {
    process.stdout.write(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), each], { encoding: 'utf8' }))
  }
  process.exit(0)
}
const { toWebStream } = await import('../dist/node-transport/body-stream.js')
const { nodeFetch } = await import('../dist/node-transport/index.js')
const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const { port, h2Port } = await new Promise((resolve) => server.once('message', resolve))
// One session for every stream of the `plain-h2` layer, made before the baseline.
const session =
  layer === 'plain-h2'
    ? http2.connect(`https://127.0.0.1:${h2Port}`, { ca: readFileSync(new URL('../test/node/fixtures/tls-cert.pem', import.meta.url)), maxSessionMemory: 1024 })
    : undefined
if (session !== undefined) await new Promise((resolve) => session.once('connect', resolve))
const n = 1000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function openOne() {
  if (session !== undefined) {
    const stream = session.request({ ':path': '/idle', accept: 'text/event-stream' })
    await new Promise((resolve) => stream.once('readable', resolve))
    while (stream.read() !== null);
    // The next chunk waits for a read, as the transport's body does.
    stream.on('readable', () => {})
    return stream
  }
  const url = `http://127.0.0.1:${port}/idle`
  if (layer === 'nodeFetch' || layer === 'fetch') {
    const response = await (layer === 'fetch' ? fetch : nodeFetch)(url, { headers: new Headers({ accept: 'text/event-stream' }) })
    const reader = response.body.getReader()
    await reader.read()
    void reader.read()
    return reader
  }
  const res = await new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/idle', headers: { accept: 'text/event-stream' } })
    req.on('response', resolve)
    req.end()
  })
  if (layer === 'plain') {
    await new Promise((resolve) => res.once('data', resolve))
    return res
  }
  let stream = toWebStream(res, (error) => error)
  if (layer === 'response') {
    const headers = new Headers()
    for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1])
    stream = new Response(stream, { status: 200, headers }).body
  }
  const reader = stream.getReader()
  await reader.read()
  void reader.read()
  return reader
}

async function settle() {
  for (let i = 0; i < 4; i++) {
    await sleep(50)
    globalThis.gc()
  }
}

const kept = [await openOne()]
await settle()
const before = process.memoryUsage()
kept.push(...(await Promise.all(Array.from({ length: n }, openOne))))
await settle()
const after = process.memoryUsage()
console.log(`${layer.padEnd(10)} ${((after.heapUsed - before.heapUsed) / n / 1024).toFixed(2)} KiB heap, ${((after.rss - before.rss) / n / 1024).toFixed(1)} KiB RSS per stream (${kept.length - 1} streams)`)
session?.destroy()
server.kill()
process.exit(0)
