/** The cart's arithmetic and its storage: what the Order Completed amounts are computed from. */
import { describe, expect, it } from 'vitest'
import { addToCart, clearCart, getCart, getShippingCents, getSubtotalCents } from '../src/cart.js'
import { getProduct } from '../src/catalog.js'

function createStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  }
}

const huila = getProduct('huila')!
const sidama = getProduct('sidama')!

describe('cart', () => {
  it('adds bags per product and sums them in cents', () => {
    const storage = createStorage()
    addToCart(huila, 1, storage)
    addToCart(sidama, 2, storage)
    const cart = addToCart(huila, 1, storage)
    expect(cart.lines.map((line) => [line.product.id, line.quantity])).toEqual([
      ['huila', 2],
      ['sidama', 2],
    ])
    expect(getSubtotalCents(cart)).toBe(2 * 1450 + 2 * 1600)
    // The same cart, with the same id, on the next page load.
    expect(getCart(storage)).toEqual(cart)
  })

  it('charges €4.90 shipping under €30, none from €30 or on an empty cart', () => {
    expect(getShippingCents(2999)).toBe(490)
    expect(getShippingCents(3000)).toBe(0)
    expect(getShippingCents(0)).toBe(0)
  })

  it('starts a new, empty cart with a new id after an order', () => {
    const storage = createStorage()
    const before = addToCart(huila, 1, storage)
    clearCart(storage)
    const after = getCart(storage)
    expect(after.lines).toEqual([])
    expect(after.id).not.toBe(before.id)
  })

  it('keeps the cart in memory when storage throws', () => {
    const storage = createStorage()
    storage.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError')
    }
    const cart = addToCart(sidama, 3, storage)
    expect(cart.lines).toHaveLength(1)
    expect(getSubtotalCents(cart)).toBe(4800)
  })
})
