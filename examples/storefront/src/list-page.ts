/** The product list: draws the catalogue and reports it as viewed. */
import { startAnalytics, trackProductListViewed } from './analytics.js'
import { formatPrice, products } from './catalog.js'
import { byId, showCartCount } from './layout.js'
import './styles.css'

startAnalytics()
showCartCount()

const grid = byId('product-grid')
for (const product of products) {
  const card = document.createElement('a')
  card.className = 'product-card'
  card.href = `product.html?id=${encodeURIComponent(product.id)}`
  card.dataset.productId = product.id
  card.innerHTML = `
    <svg viewBox="0 0 120 140" aria-hidden="true"><path d="M20 20h80l8 110H12z" fill="${product.color}" />
      <rect x="34" y="52" width="52" height="40" rx="4" fill="var(--cream)" /></svg>
    <h3></h3><p class="notes"></p><p class="price"></p>`
  card.querySelector('h3')!.textContent = product.name
  card.querySelector('.notes')!.textContent = product.notes
  card.querySelector('.price')!.textContent = `${formatPrice(product.priceCents)} · 250 g`
  grid.append(card)
}
trackProductListViewed('all-coffee', products)
