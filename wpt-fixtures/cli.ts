import { startFixtureServer } from './server.js'

// `npm run fixtures [-- <port>]`: serves the WPT eventsource resources for manual poking
// (`curl -N "$BASE/eventsource/resources/message.py?newline=none"`) until killed.
const port = Number(process.argv[2] ?? process.env.PORT ?? 0)
const server = await startFixtureServer({ port })
console.log(`base   ${server.base}/eventsource/resources/message.py`)
console.log(`remote ${server.remote}/eventsource/resources/cors.py?run=message`)
const stop = (): void => {
  void server.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
