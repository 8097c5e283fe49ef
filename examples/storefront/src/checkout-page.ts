/**
 * Checkout in two steps on one page: contact and shipping, then payment. The card fields are for
 * show: nothing typed in them is read or sent. Placing the order empties the cart.
 */
import {
  identifyCustomer,
  startAnalytics,
  trackCheckoutStarted,
  trackOrderCompleted,
  trackPaymentInfoEntered,
} from './analytics.js'
import { clearCart, getCart, getShippingCents, getSubtotalCents } from './cart.js'
import { formatPrice } from './catalog.js'
import { byId, showCartCount } from './layout.js'
import './styles.css'

startAnalytics()
showCartCount()

const cart = getCart()
const subtotalCents = getSubtotalCents(cart)
const totals = { subtotalCents, shippingCents: getShippingCents(subtotalCents) }
const orderId = `TOS-${Date.now().toString(36).toUpperCase()}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`
byId('checkout-total').textContent = formatPrice(totals.subtotalCents + totals.shippingCents)

const contactForm = byId<HTMLFormElement>('contact-form')
const paymentForm = byId<HTMLFormElement>('payment-form')
if (!cart.lines.length) {
  byId('checkout-empty').hidden = false
  contactForm.hidden = true
} else {
  trackCheckoutStarted(orderId, cart, totals)
}

contactForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const email = byId<HTMLInputElement>('email').value.trim()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    byId('email-error').hidden = false
    return
  }
  byId('email-error').hidden = true
  identifyCustomer(email)
  contactForm.hidden = true
  paymentForm.hidden = false
})

paymentForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const shipping = (contactForm.elements.namedItem('shipping') as RadioNodeList).value
  trackPaymentInfoEntered(orderId, cart, shipping, 'card')
  trackOrderCompleted(orderId, cart, totals)
  clearCart()
  showCartCount()
  paymentForm.hidden = true
  byId('order-id').textContent = orderId
  byId('order-done').hidden = false
})
