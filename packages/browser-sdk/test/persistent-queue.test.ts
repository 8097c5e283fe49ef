/**
 * The client with IndexedDB (fake-indexeddb): events are stored before they are sent, forgotten
 * only once answered, resent by the next page with the same messageId, and never sent by a second
 * live tab.
 */
import { IDBFactory } from 'fake-indexeddb'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { LEASE_MS } from '../src/queue/create-idb-event-store.js'
import type { RastroDeps } from '../src/types.js'
import type { FakeResponse } from './fixtures/create-fake-window.js'
import { setupClient } from './fixtures/setup-client.js'

/** The site's localStorage, shared by its pages (the tabs' heartbeats live there). */
let local: Map<string, string>

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory()
  local = new Map()
})

/** A page of the site, sharing the test's IndexedDB, at `offsetMs` after the first page. */
function openPage(responses: FakeResponse[] = [], offsetMs = 0, deps: Partial<RastroDeps> = {}) {
  const page = setupClient({ indexedDB: globalThis.indexedDB, local }, { pageViews: false }, responses, deps)
  page.tick(offsetMs)
  page.init()
  return page
}

const ids = (page: ReturnType<typeof setupClient>) => page.events().map((e) => e.messageId)

describe('the IndexedDB-backed queue', () => {
  it('resends on the next page what the last page could not deliver, with the same messageId, once', async () => {
    const offline = Array.from({ length: 10 }, () => 'network-error' as const)
    const first = openPage(offline)
    const messageId = first.rastro.track('Offline Event')
    expect(await first.rastro.flush()).toBe(false)
    first.hide()
    first.win.dispatchEvent(new Event('pagehide'))
    // Stored events go by keepalive fetch on hide (they have a stored copy), not by beacon.
    await vi.waitFor(() => expect(first.requests).toHaveLength(2))
    expect(first.beacon.bodies).toHaveLength(0)
    expect(first.requests[1]!.init.keepalive).toBe(true)

    const next = openPage([], 1000)
    await vi.waitFor(() => expect(ids(next)).toEqual([messageId]))
    expect(next.events()[0]!.event).toBe('Offline Event')

    // Answered, so deleted: a third page, after the second one is gone too, has nothing to resend.
    const third = openPage([], 2 * LEASE_MS)
    third.rastro.track('Third Page')
    await third.rastro.flush()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(third.events().map((e) => e.event)).toEqual(['Third Page'])
  })

  it('resends, on a page restored from the back/forward cache, what the page it went to left', async () => {
    const back = openPage()
    back.rastro.track('Before Leaving')
    await back.rastro.flush()
    back.win.dispatchEvent(new Event('pagehide'))
    // The next page cannot deliver, and is left in turn (into the back/forward cache).
    const offline = Array.from({ length: 10 }, () => 'network-error' as const)
    const next = openPage(offline, 1000)
    const messageId = next.rastro.track('Left Unanswered')
    expect(await next.rastro.flush()).toBe(false)
    next.win.dispatchEvent(new Event('pagehide'))
    // Back: the first page is shown again without a new init, and sends what the other left.
    back.win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }))
    await vi.waitFor(() => expect(ids(back)).toContain(messageId))
  })

  it('stores an event before sending it: a page that dies mid-request leaves it for the next one', async () => {
    const hanging: RastroDeps['fetch'] = () => new Promise(() => {})
    const first = openPage([], 0, { fetch: hanging })
    const messageId = first.rastro.track('In Flight')
    void first.rastro.flush()
    // No pagehide: the tab crashed. Its heartbeat runs out after LEASE_MS.
    const next = openPage([], LEASE_MS + 1)
    await vi.waitFor(() => expect(ids(next)).toEqual([messageId]))
  })

  it('does not send the stored events of another live tab', async () => {
    const a = openPage(Array.from({ length: 10 }, () => 'network-error' as const))
    a.rastro.track('From Tab A')
    await a.rastro.flush()
    const b = openPage([], 1000)
    b.rastro.track('From Tab B')
    await b.rastro.flush()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(b.events().map((e) => e.event)).toEqual(['From Tab B'])
  })
})
