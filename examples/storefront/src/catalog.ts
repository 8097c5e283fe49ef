/** The shop's products. Prices in euro cents (integers), so sums never meet floating point. */

export interface Product {
  /** Stable id, also the product page's `?id=` (Segment's `product_id`). */
  id: string
  sku: string
  name: string
  category: string
  /** Price of one 250 g bag (euro cents). */
  priceCents: number
  /** Bag colour on the drawing. */
  color: string
  notes: string
}

export const CURRENCY = 'EUR'

export const products: readonly Product[] = [
  {
    id: 'huila',
    sku: 'TOS-HUI-250',
    name: 'Huila, Colombia',
    category: 'Single origin',
    priceCents: 1450,
    color: '#b5653a',
    notes: 'Panela, red apple and a long cocoa finish. Washed Caturra, 1,700 m.',
  },
  {
    id: 'sidama',
    sku: 'TOS-SID-250',
    name: 'Sidama, Ethiopia',
    category: 'Single origin',
    priceCents: 1600,
    color: '#6f7d4e',
    notes: 'Jasmine, bergamot and peach. Natural heirloom varieties, 2,100 m.',
  },
  {
    id: 'espresso-casa',
    sku: 'TOS-ESP-250',
    name: 'Espresso de la casa',
    category: 'Blends',
    priceCents: 1200,
    color: '#3b2a20',
    notes: 'Brazil and Guatemala for milk drinks: hazelnut, caramel, low acidity.',
  },
]

/** The product with this id, or `undefined`. */
export function getProduct(id: string | null): Product | undefined {
  return products.find((product) => product.id === id)
}

/** `1450` → `€14.50`. */
export function formatPrice(cents: number): string {
  return new Intl.NumberFormat('en-IE', { style: 'currency', currency: CURRENCY }).format(cents / 100)
}
