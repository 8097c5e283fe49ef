import { describe, expect, it } from 'vitest'
import { createIdentity } from '../src/identity/create-identity.js'
import { ANONYMOUS_ID_KEY, getAnonymousId } from '../src/identity/get-anonymous-id.js'
import { createCookieStore } from '../src/storage/create-cookie-store.js'
import { createLocalStore } from '../src/storage/create-local-store.js'
import { createGatedStore } from '../src/storage/create-gated-store.js'
import { createFakeWindow, type FakeWindowOptions } from './fixtures/create-fake-window.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The stores the client uses for the anonymous id, over a fake window. */
function createIdStore(options: FakeWindowOptions = {}) {
  const fake = createFakeWindow(options)
  const store = createGatedStore(
    [
      createCookieStore(fake.win.document, fake.win.location.protocol === 'https:'),
      createLocalStore(fake.win),
    ],
    () => true,
  )
  return { ...fake, store }
}

describe('getAnonymousId', () => {
  it('creates a UUID v4 once and returns it on every later read', () => {
    const { store, jar, local } = createIdStore()
    const id = getAnonymousId(store)
    expect(id).toMatch(UUID)
    expect(getAnonymousId(store)).toBe(id)
    expect(jar.get(ANONYMOUS_ID_KEY)).toBe(id)
    expect(local.get(ANONYMOUS_ID_KEY)).toBe(id)
  })

  it('writes a first-party cookie for 1 year, SameSite=Lax, Path=/, Secure only on https', () => {
    const https = createIdStore({ url: 'https://shop.example/' })
    getAnonymousId(https.store)
    expect(https.cookieWrites[0]).toMatch(
      /^rastro_aid=[0-9a-f-]{36}; Max-Age=31536000; Path=\/; SameSite=Lax; Secure$/,
    )
    const http = createIdStore({ url: 'http://localhost:8080/' })
    getAnonymousId(http.store)
    expect(http.cookieWrites[0]).not.toContain('Secure')
  })

  it('survives a reload: a new page with the same cookie jar reads the same id', () => {
    const first = createIdStore()
    const id = createIdentity(
      first.store,
      createGatedStore([], () => true),
    )._anonymousId()
    const reload = createCookieStore(first.win.document, true)
    expect(getAnonymousId(createGatedStore([reload], () => true))).toBe(id)
  })

  it('falls back to localStorage when cookies throw', () => {
    const { store, local } = createIdStore({ cookiesThrow: true })
    const id = getAnonymousId(store)
    expect(local.get(ANONYMOUS_ID_KEY)).toBe(id)
    expect(getAnonymousId(store)).toBe(id)
  })

  it('keeps one id for the page when cookies and localStorage both throw', () => {
    const { store } = createIdStore({ cookiesThrow: true, localStorageThrows: true })
    const id = getAnonymousId(store)
    expect(id).toMatch(UUID)
    expect(getAnonymousId(store)).toBe(id)
  })

  it('restores a cleared cookie from localStorage', () => {
    const { store, jar } = createIdStore()
    const id = getAnonymousId(store)
    jar.clear()
    createIdentity(
      store,
      createGatedStore([], () => true),
    )
    expect(jar.get(ANONYMOUS_ID_KEY)).toBe(id)
  })
})

describe('createIdentity', () => {
  it('keeps the user id and merged traits in localStorage, and reset() forgets them with a new anonymous id', () => {
    const { store, local, win } = createIdStore()
    const identity = createIdentity(store, createLocalStore(win))
    expect(identity._userId()).toBeNull()
    const anonymousId = identity._anonymousId()
    expect(identity._identify('u1', { plan: 'pro' })).toEqual({ plan: 'pro' })
    expect(identity._identify(null, { city: 'Lima' })).toEqual({ plan: 'pro', city: 'Lima' })
    expect(identity._userId()).toBe('u1')
    expect(local.get('rastro_uid')).toBe('u1')
    // Another user: the previous traits are not carried over.
    expect(identity._identify('u2', { plan: 'free' })).toEqual({ plan: 'free' })
    identity._reset()
    expect(identity._userId()).toBeNull()
    expect(identity._identify(undefined, {})).toEqual({})
    expect(identity._anonymousId()).not.toBe(anonymousId)
    expect(local.get(ANONYMOUS_ID_KEY)).toBe(identity._anonymousId())
  })
})
