/** The cart: lists the lines and totals, and reports it as viewed. */
import { startAnalytics, trackCartViewed } from './analytics.js'
import { getCart, getShippingCents, getSubtotalCents } from './cart.js'
import { formatPrice } from './catalog.js'
import { byId, showCartCount } from './layout.js'
import './styles.css'

startAnalytics()
showCartCount()

const cart = getCart()
const body = byId('cart-lines')
for (const line of cart.lines) {
  const row = document.createElement('tr')
  for (const text of [
    line.product.name,
    String(line.quantity),
    formatPrice(line.product.priceCents * line.quantity),
  ]) {
    const cell = document.createElement('td')
    cell.textContent = text
    row.append(cell)
  }
  body.append(row)
}
const subtotalCents = getSubtotalCents(cart)
byId('cart-subtotal').textContent = formatPrice(subtotalCents)
byId('cart-shipping').textContent = formatPrice(getShippingCents(subtotalCents))
byId('cart-empty').hidden = cart.lines.length > 0
byId('cart-table').hidden = cart.lines.length === 0
byId('checkout-link').hidden = cart.lines.length === 0
trackCartViewed(cart)
