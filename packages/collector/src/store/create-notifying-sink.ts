/**
 * An {@link EventSink} that stores rows through another sink, then hands the stored rows to a
 * consumer (the CRM's `onEvents`) without holding up the acknowledgement. The consumer's failures
 * are logged, never answered to the client: the events are stored either way. `close()` waits for
 * the consumer to finish what it was given, then closes the inner sink.
 *
 * A stop-gap until the durable log (issue 4) gives each consumer its own cursor: then the CRM reads
 * the log instead, and this file goes.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { EventRow, EventSink } from '../ingest/event-row.js'

export function createNotifyingSink(
  sink: EventSink,
  onStored: (rows: EventRow[]) => Promise<void>,
  log: FastifyBaseLogger,
): EventSink {
  const running = new Set<Promise<void>>()
  return {
    async write(rows) {
      await sink.write(rows)
      const task = onStored(rows).catch((error: unknown) =>
        log.error({ err: error }, 'an event consumer failed'),
      )
      running.add(task)
      void task.finally(() => running.delete(task))
    },
    async close() {
      while (running.size > 0) await Promise.all([...running])
      await sink.close()
    },
  }
}
