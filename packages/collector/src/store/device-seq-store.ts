/**
 * The `SeqLedger` on ClickHouse: one `device_seq` row per stored frame range, inserted (in
 * batches) after the frame's rows, read back per device boot. A plain MergeTree: every range
 * is kept and their union is taken when reading. On a cluster the inserts must be synchronous
 * (`insertSettings`): a range still queued in a Distributed table would be missing from the
 * "acked through" read that follows it.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { FastifyBaseLogger } from 'fastify'
import type { DeviceBoot, SeqLedger, SeqRange } from '../ingest/device/seq-ledger.js'
import { toClickHouseTime } from '../ingest/event-row.js'
import { BatchWriter } from './batch-writer.js'

interface DeviceSeqRow {
  tenant_id: string
  device_id: string
  boot_id: number
  seq_first: number
  seq_last: number
  received_at: string
  retention_days: number
}

export class DeviceSeqStore implements SeqLedger {
  readonly #client: ClickHouseClient
  readonly #writer: BatchWriter<DeviceSeqRow>

  constructor(options: {
    client: ClickHouseClient
    log: FastifyBaseLogger
    flushIntervalMs: number
    /** Added to every insert (`insert_distributed_sync = 1` on a cluster). */
    insertSettings?: ClickHouseSettings | undefined
  }) {
    this.#client = options.client
    this.#writer = new BatchWriter<DeviceSeqRow>({
      client: options.client,
      log: options.log,
      table: 'device_seq',
      columns: [
        'tenant_id',
        'device_id',
        'boot_id',
        'seq_first',
        'seq_last',
        'received_at',
        'retention_days',
      ],
      flushIntervalMs: options.flushIntervalMs,
      maxBatchRows: 1000,
      insertSettings: options.insertSettings,
    })
  }

  async getRanges(boot: DeviceBoot, fromSeq: number): Promise<SeqRange[]> {
    const result = await this.#client.query({
      query: `SELECT seq_first, seq_last FROM device_seq
        WHERE tenant_id = {tenant:String} AND device_id = {device:String} AND boot_id = {boot:UInt32}
          AND seq_last >= {from:UInt32}
        ORDER BY seq_first`,
      query_params: { tenant: boot.tenantId, device: boot.deviceId, boot: boot.bootId, from: fromSeq },
      format: 'JSONEachRow',
    })
    const rows = await result.json<{ seq_first: number | string; seq_last: number | string }>()
    return rows.map((row) => ({ seqFirst: Number(row.seq_first), seqLast: Number(row.seq_last) }))
  }

  record(
    boot: DeviceBoot,
    range: SeqRange,
    meta: { receivedAt: number; retentionDays: number },
  ): Promise<void> {
    return this.#writer.write([
      {
        tenant_id: boot.tenantId,
        device_id: boot.deviceId,
        boot_id: boot.bootId,
        seq_first: range.seqFirst,
        seq_last: range.seqLast,
        received_at: toClickHouseTime(meta.receivedAt),
        retention_days: meta.retentionDays,
      },
    ])
  }

  close(): Promise<void> {
    return this.#writer.close()
  }
}
