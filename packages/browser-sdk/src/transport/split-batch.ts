/**
 * Splits queued events into request bodies small enough for `keepalive` fetch and `sendBeacon`,
 * which share one 64 KiB in-flight budget per page (Fetch standard, "keepalive"; Segment's and
 * Snowplow's sources note it). We stay under 60 KB to leave room for the headers.
 */
import { getByteLength } from '../util/get-byte-length.js'

/** Largest request body we send (bytes). */
export const MAX_BODY_BYTES = 60_000

/**
 * Groups `items` (serialized events) in order so that each group joined with commas takes at most
 * `budgetBytes`. An item larger than the budget on its own is dropped (the client already drops
 * events over the collector's 32 KiB per-event limit).
 */
export function splitBatch(items: string[], budgetBytes: number): string[][] {
  const chunks: string[][] = []
  let chunk: string[] = []
  let size = 0
  for (const item of items) {
    const itemBytes = getByteLength(item) + 1
    if (itemBytes > budgetBytes) continue
    if (size + itemBytes > budgetBytes) {
      chunks.push(chunk)
      chunk = []
      size = 0
    }
    chunk.push(item)
    size += itemBytes
  }
  if (chunk.length) chunks.push(chunk)
  return chunks
}
