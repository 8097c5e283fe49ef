/**
 * `rastro-crm serve`: the CRM alone, on a ClickHouse store the collector has migrated.
 * Keys: the CRM's own (made with `POST /v1/crm/keys`), plus one bootstrap owner key from
 * `RASTRO_CRM_OWNER_KEY` for the tenant `RASTRO_CRM_TENANT` (default `default`).
 */
import { parseArgs } from 'node:util'
import { assertCrmSchema, createCrmServer, openCrmStore } from './create-crm-server.js'
import { version } from './crm-plugin.js'

const HELP = `rastro-crm ${version}: Rastro's CRM API on its own

Usage:
  rastro-crm serve [--port 8081] [--host 0.0.0.0] [--data-dir ./data]

Environment: CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE,
CLICKHOUSE_CLUSTER (else the embedded store in --data-dir, which no collector may have open);
RASTRO_CRM_OWNER_KEY and
RASTRO_CRM_TENANT: a bootstrap owner key; RASTRO_CRM_PHONE_COUNTRY: country of phone numbers
written without +.`

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } },
  })
  const env = process.env
  const client = await openCrmStore({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    dataDir: values['data-dir'],
  })
  await assertCrmSchema(client)
  const ownerKey = env.RASTRO_CRM_OWNER_KEY
  const tenantId = env.RASTRO_CRM_TENANT ?? 'default'
  // As the collector does on a cluster: inserts wait for their shard, GDPR mutates the local tables.
  const cluster = env.CLICKHOUSE_CLUSTER || undefined
  const app = await createCrmServer({
    client,
    ...(cluster ? { cluster, insertSettings: { insert_distributed_sync: 1 } } : {}),
    resolveKey: (key) =>
      ownerKey && key === ownerKey ? { tenantId, role: 'owner', name: 'bootstrap owner' } : undefined,
    ...(env.RASTRO_CRM_PHONE_COUNTRY ? { defaultPhoneCountry: env.RASTRO_CRM_PHONE_COUNTRY as never } : {}),
  })
  app.addHook('onClose', () => client.close())
  const shutdown = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  await app.listen({ port: Number(values.port ?? 8081), host: values.host ?? '0.0.0.0' })
}

const [command, ...rest] = process.argv.slice(2)
if (command === 'serve') {
  serve(rest).catch((error: unknown) => {
    process.stderr.write(`rastro-crm: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
} else {
  process.stdout.write(`${HELP}\n`)
  process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 1)
}
