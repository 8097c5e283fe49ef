/**
 * The ceiling of the HTTP layer for the ingest benchmark: Fastify with the same body limit, a
 * route that parses the same JSON (Fastify's default parser, as the collector uses) and answers
 * 200. Prints its address like `rastro serve` does.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
for (const path of ['/v1/batch', '/v1/track']) {
  app.post(path, { bodyLimit: 500 * 1024 }, async () => ({ ok: true }))
}
const address = await app.listen({ port: 0, host: '127.0.0.1' })
console.log(JSON.stringify({ address }))
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
