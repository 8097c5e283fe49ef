/**
 * Where the queue keeps events until the collector answered for them. The IndexedDB store
 * (`create-idb-event-store.ts`) survives reloads and is shared by the site's tabs; the memory
 * store below is the fallback when IndexedDB is missing, blocked, not consented or in cookieless
 * mode. Items are serialized events whose JSON starts with `{"messageId":"<uuid v7>"`.
 */

/** A persistent home for queued events. Implementations never throw and never reject. */
export interface EventStore {
  /** Whether events survive the page (decides between a keepalive fetch and a beacon on page hide). */
  readonly _durable: boolean
  /** Saves events this tab is about to send. Resolves once written (or failed to). */
  _put(items: string[]): Promise<unknown>
  /** Forgets events the collector answered for (stored, or refused for good). */
  _delete(items: string[]): void
  /**
   * Takes over, for this tab, the events left by pages that are gone (a previous visit, a closed
   * tab, a tab that stopped beating). Resolves `[items oldest first, ms until another tab's lease
   * ends (0 when none)]`.
   */
  _claim(): Promise<[string[], number]>
  /**
   * Gives this tab's events up for other pages to claim (the page is being left), including what
   * it records while it goes (Web Vitals, the last heatmap points), until {@link _resume}.
   */
  _release(): void
  /** Holds this tab's events again (the page came back from the back/forward cache). */
  _resume(): void
  /** Deletes every stored event (the visitor opted out). */
  _clear(): void
}

/** The `messageId` of a serialized event (the 36 characters after `{"messageId":"`). */
export function getMessageId(item: string): string {
  return item.slice(14, 50)
}

/** The fallback: nothing outlives the page. */
export const memoryEventStore: EventStore = {
  _durable: false,
  _put: () => Promise.resolve(),
  _delete() {},
  _claim: () => Promise.resolve([[], 0]),
  _release() {},
  _resume() {},
  _clear() {},
}
