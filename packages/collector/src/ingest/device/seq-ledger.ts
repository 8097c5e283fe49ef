/**
 * Which sequence numbers of a device's boot are durably stored. A range is recorded only after
 * its rows are stored, so `acked through` never runs ahead of the data; a resent record whose
 * seq is in a range is not stored again.
 */

/** A device boot: records are identified by (tenant, device, boot, seq). */
export interface DeviceBoot {
  tenantId: string
  /** Lower-case hex. */
  deviceId: string
  bootId: number
}

/** Inclusive range of sequence numbers. */
export interface SeqRange {
  seqFirst: number
  seqLast: number
}

export interface SeqLedger {
  /** The stored ranges of `boot` that end at or after `fromSeq`. */
  getRanges(boot: DeviceBoot, fromSeq: number): Promise<SeqRange[]>
  /** Records `range` as stored; resolves once that record is itself durable. */
  record(
    boot: DeviceBoot,
    range: SeqRange,
    meta: { receivedAt: number; retentionDays: number },
  ): Promise<void>
  close(): Promise<void>
}

/** Whether `seq` is inside one of `ranges`. */
export function isStored(ranges: readonly SeqRange[], seq: number): boolean {
  return ranges.some((range) => range.seqFirst <= seq && seq <= range.seqLast)
}

/**
 * The highest seq such that every seq from `fromSeq` to it is in `ranges` (`fromSeq - 1` when
 * `fromSeq` itself is not). Starting at the frame's first record lets a device move on after
 * it dropped records (ring overflow) that the collector will never see.
 */
export function getAckedThrough(ranges: readonly SeqRange[], fromSeq: number): number {
  let through = fromSeq - 1
  for (const range of [...ranges].sort((a, b) => a.seqFirst - b.seqFirst)) {
    if (range.seqFirst > through + 1) break
    through = Math.max(through, range.seqLast)
  }
  return through
}
