// What nginx in front of an SSE server does to each event's delivery time.
//
//   node bench/proxy.mjs            # needs nginx on PATH (or NGINX=/path/to/nginx) and a built dist/
//
// A measurement for the README's "Behind a proxy" section, not a test: nginx is
// not an npm package, so neither `npm test` nor CI runs this. Without nginx it
// says so and exits 0.
//
// One process holds a small SSE server on 127.0.0.1 and the client
// (fetchEvents of dist/, which is what a user of the package runs). nginx runs
// on 127.0.0.1 too, with one `location` per configuration. The server writes
// EVENTS events, one every INTERVAL_MS, stamping each with performance.now()
// just before the write, keeps the stream open HOLD_MS after the last one, then
// ends it. The client subtracts the stamp from its own reading when the event
// arrives (same process, same clock). A proxy that buffers shows up as delays
// that shrink towards the end of the stream: everything arrives at once.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const EVENTS = 10
const INTERVAL_MS = 200
const HOLD_MS = 1000

const nginx = process.env.NGINX ?? 'nginx'
const probe = spawnSync(nginx, ['-v'], { encoding: 'utf8' })
if (probe.error !== undefined || probe.status !== 0) {
  console.log(`bench/proxy.mjs: skipped, nginx is not installed (${nginx} -v failed). On Debian: apt-get install -y nginx`)
  process.exit(0)
}
// `nginx -v` writes "nginx version: nginx/1.22.1" to stderr.
const nginxVersion = (probe.stderr || probe.stdout).trim().replace(/^nginx version:\s*/, '')

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))
if (!existsSync(dist)) {
  console.log('bench/proxy.mjs: build the package first (npx tsc -p tsconfig.build.json)')
  process.exit(1)
}
const { fetchEvents } = await import(pathToFileURL(dist).href)

// The origin: /events, plus `X-Accel-Buffering: no` when ?xab=1.
const origin = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  const headers = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }
  if (url.searchParams.get('xab') === '1') headers['X-Accel-Buffering'] = 'no'
  response.writeHead(200, headers)
  response.flushHeaders()
  let sent = 0
  const timer = setInterval(() => {
    response.write(`id: ${sent}\ndata: ${JSON.stringify({ i: sent, t: performance.now() })}\n\n`)
    sent++
    if (sent === EVENTS) {
      clearInterval(timer)
      setTimeout(() => response.end(), HOLD_MS)
    }
  }, INTERVAL_MS)
  request.on('close', () => clearInterval(timer))
})
await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve))
const originPort = origin.address().port

// Each configuration is one location; `proxy_http_version 1.1` is what any SSE
// set-up needs (1.0 would close after each response), so it is in all of them.
const CONFIGS = [
  { name: 'default buffering', path: '/default/', directives: '' },
  { name: 'gzip on + buffering', path: '/gzip/', directives: 'gzip on; gzip_types text/event-stream;' },
  { name: 'gzip on + X-Accel-Buffering: no', path: '/gzip-xab/', directives: 'gzip on; gzip_types text/event-stream;', query: '?xab=1' },
  { name: 'gzip on + proxy_buffering off', path: '/gzip-off/', directives: 'gzip on; gzip_types text/event-stream; proxy_buffering off;' },
  { name: 'X-Accel-Buffering: no', path: '/xab/', directives: '', query: '?xab=1' },
  { name: 'proxy_buffering off', path: '/off/', directives: 'proxy_buffering off;' },
]

const prefix = mkdtempSync(join(tmpdir(), 'proxy-bench-'))
mkdirSync(join(prefix, 'logs'))
const proxyPort = await freePort()
const locations = CONFIGS.map(
  (config) => `
    location ${config.path} {
      proxy_pass http://127.0.0.1:${originPort}/events;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      ${config.directives}
    }`,
).join('\n')
writeFileSync(
  join(prefix, 'nginx.conf'),
  `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${proxyPort};
${locations}
  }
}
`,
)
const server = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'inherit'] })
const stopAll = () => {
  server.kill('SIGTERM')
  origin.close()
}
try {
  await waitForPort(proxyPort)
  const rows = [['direct (no proxy)', await measure(`http://127.0.0.1:${originPort}/events`)]]
  for (const config of CONFIGS) rows.push([config.name, await measure(`http://127.0.0.1:${proxyPort}${config.path}${config.query ?? ''}`)])

  console.log(`${nginxVersion}, ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${EVENTS} events ${INTERVAL_MS} ms apart, stream held open ${HOLD_MS} ms after the last`)
  console.log('')
  console.log('| nginx configuration | headers after | first event | delay per event: median | max | Content-Encoding |')
  console.log('|---|---|---|---|---|---|')
  for (const [name, result] of rows) {
    console.log(
      `| ${name} | ${ms(result.headers)} | ${ms(result.delays[0])} | ${ms(median(result.delays))} | ${ms(Math.max(...result.delays))} | ${result.encoding ?? '—'} |`,
    )
  }
} finally {
  stopAll()
  rmSync(prefix, { recursive: true, force: true })
}

/**
 * One stream: the time to the response headers, and each event's delay from
 * the server's write to the client's event. fetch decodes gzip itself; the
 * Content-Encoding it saw is taken from a wrapped fetch.
 */
async function measure(url) {
  const started = performance.now()
  let headers
  let encoding
  const timedFetch = async (input, init) => {
    const response = await fetch(input, init)
    headers = performance.now() - started
    encoding = response.headers.get('content-encoding') ?? undefined
    return response
  }
  const delays = []
  for await (const event of fetchEvents(url, { fetch: timedFetch, retry: false })) {
    delays.push(performance.now() - JSON.parse(event.data).t)
  }
  if (delays.length !== EVENTS) throw new Error(`${url}: ${delays.length} of ${EVENTS} events arrived`)
  return { headers, delays, encoding }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function ms(value) {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probeServer = createServer()
    probeServer.on('error', reject)
    probeServer.listen(0, '127.0.0.1', () => {
      const { port } = probeServer.address()
      probeServer.close(() => resolve(port))
    })
  })
}

/** nginx takes a moment to bind; poll its port (loopback only) for up to 5 s. */
async function waitForPort(port) {
  const deadline = performance.now() + 5000
  while (performance.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`nginx exited with ${server.exitCode}; see its error log above`)
    try {
      await fetch(`http://127.0.0.1:${port}/nothing-here`)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 5 s`)
}
