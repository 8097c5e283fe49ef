/**
 * Builds the four pages of the shop. The sources live in `src/`; the build lands beside them, in
 * this folder (`index.html`, `product.html`, `cart.html`, `checkout.html`, `assets/`), because the
 * collector serves `examples/` as it is at `/examples/`, so the shop is at `/examples/storefront/`.
 * `base: './'` keeps every asset URL relative, so the pages work under any path.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const src = (file: string) => fileURLToPath(new URL(`src/${file}`, import.meta.url))

export default defineConfig({
  root: src(''),
  base: './',
  // Quiet: the output folder is the parent of `src/` on purpose (see above).
  logLevel: 'error',
  build: {
    outDir: fileURLToPath(new URL('.', import.meta.url)),
    emptyOutDir: false,
    rolldownOptions: {
      input: {
        index: src('index.html'),
        product: src('product.html'),
        cart: src('cart.html'),
        checkout: src('checkout.html'),
      },
      // The code the pages share (Rastro, the catalogue, the cart) in one cached file.
      output: { chunkFileNames: 'assets/shop-[hash].js' },
    },
  },
})
