/** A product page (`product.html?id=…`): reports the view, adds bags to the cart. */
import { startAnalytics, trackProductAdded, trackProductViewed } from './analytics.js'
import { addToCart } from './cart.js'
import { formatPrice, getProduct } from './catalog.js'
import { byId, showCartCount } from './layout.js'
import './styles.css'

startAnalytics()
showCartCount()

const product = getProduct(new URLSearchParams(location.search).get('id'))
if (!product) {
  byId('product-name').textContent = 'We do not roast that one (yet)'
  byId('add-form').hidden = true
} else {
  document.title = `${product.name} · Tostado`
  byId('product-name').textContent = product.name
  byId('product-notes').textContent = product.notes
  byId('product-price').textContent = `${formatPrice(product.priceCents)} · 250 g`
  byId('product-bag').setAttribute('fill', product.color)
  trackProductViewed(product)

  byId<HTMLFormElement>('add-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const quantity = Math.max(1, Math.min(20, Number(byId<HTMLInputElement>('quantity').value) || 1))
    const cart = addToCart(product, quantity)
    trackProductAdded(cart, product, quantity)
    showCartCount()
    const status = byId('added')
    status.textContent = `${quantity} × ${product.name} in your bag.`
    status.hidden = false
  })
}
