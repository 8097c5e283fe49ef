/** What every page shares: the bag count in the header. */
import { getCart } from './cart.js'

export function showCartCount(): void {
  const count = getCart().lines.reduce((sum, line) => sum + line.quantity, 0)
  const badge = document.getElementById('cart-count')
  if (badge) badge.textContent = String(count)
}

/** The element with this id (the pages are static, so a missing one is a bug in the HTML). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (!element) throw new Error(`#${id} missing`)
  return element as T
}
