/**
 * The single writer: ClickHouse cannot enforce a unique key, so every CRM write of a tenant
 * (identity upserts, merges, updates with If-Match, imports, the event feed) runs one after
 * another in this process, each reading what the previous one wrote. Two concurrent upserts of
 * one email therefore see each other and never make two contacts. This holds within one process:
 * run the CRM in one collector of a fleet (shared/specs/crm-anchors.md B4.3 "single-writer lock").
 */

/** Serialises async work per tenant. */
export interface TenantWriter {
  /** Runs `work` after every earlier work of the tenant has settled; resolves with its result. */
  run<T>(tenantId: string, work: () => Promise<T>): Promise<T>
  /** Resolves when no work is queued for any tenant. */
  whenIdle(): Promise<void>
}

/** Creates a {@link TenantWriter}. */
export function createTenantWriter(): TenantWriter {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(tenantId) ?? Promise.resolve()
      const result = previous.then(work)
      const tail = result.then(
        () => undefined,
        () => undefined,
      )
      tails.set(tenantId, tail)
      void tail.then(() => {
        if (tails.get(tenantId) === tail) tails.delete(tenantId)
      })
      return result
    },
    async whenIdle(): Promise<void> {
      while (tails.size > 0) await Promise.all([...tails.values()])
    },
  }
}
