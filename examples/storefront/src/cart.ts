/**
 * The cart, kept in localStorage so it survives the page loads between product, cart and
 * checkout. Every storage call is guarded: with storage blocked the cart lives for the page.
 */
import { getProduct, type Product } from './catalog.js'

const KEY = 'tostado_cart'

export interface CartLine {
  product: Product
  quantity: number
}

export interface Cart {
  /** Random id of this cart (Segment's `cart_id`); a new one after each order. */
  id: string
  lines: CartLine[]
}

interface StoredCart {
  id: string
  lines: { id: string; quantity: number }[]
}

let memory: StoredCart | undefined

function read(storage: Storage | undefined): StoredCart {
  try {
    const raw = storage?.getItem(KEY)
    if (raw) return JSON.parse(raw) as StoredCart
  } catch {
    // Blocked or corrupt storage: fall back to the in-memory cart.
  }
  return (memory ||= { id: crypto.randomUUID(), lines: [] })
}

function write(storage: Storage | undefined, cart: StoredCart): void {
  memory = cart
  try {
    storage?.setItem(KEY, JSON.stringify(cart))
  } catch {
    // Quota or blocked storage: the in-memory copy still holds it for this page.
  }
}

/** The current cart; lines whose product no longer exists are left out. */
export function getCart(storage: Storage | undefined = globalThis.localStorage): Cart {
  const stored = read(storage)
  const lines: CartLine[] = []
  for (const line of stored.lines) {
    const product = getProduct(line.id)
    if (product && line.quantity > 0) lines.push({ product, quantity: line.quantity })
  }
  return { id: stored.id, lines }
}

/** Adds `quantity` bags of a product; returns the updated cart. */
export function addToCart(
  product: Product,
  quantity: number,
  storage: Storage | undefined = globalThis.localStorage,
): Cart {
  const stored = read(storage)
  const line = stored.lines.find((item) => item.id === product.id)
  if (line) line.quantity += quantity
  else stored.lines.push({ id: product.id, quantity })
  write(storage, stored)
  return getCart(storage)
}

/** Empties the cart and gives it a new id (after an order). */
export function clearCart(storage: Storage | undefined = globalThis.localStorage): void {
  write(storage, { id: crypto.randomUUID(), lines: [] })
}

/** Sum of price × quantity (euro cents). */
export function getSubtotalCents(cart: Cart): number {
  return cart.lines.reduce((sum, line) => sum + line.product.priceCents * line.quantity, 0)
}

/** Shipping: free from €30, else €4.90 (euro cents). */
export function getShippingCents(subtotalCents: number): number {
  return subtotalCents === 0 || subtotalCents >= 3000 ? 0 : 490
}
