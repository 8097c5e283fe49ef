import { defineConfig } from 'vite'

/**
 * The dashboard is served by the collector at `/app/`; `npm run dev` proxies the APIs to a
 * collector on :8080 (`npm start`), or at `RASTRO_URL`. Preact's automatic JSX runtime, no React
 * compat layer.
 */
const collector = process.env.RASTRO_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/app/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  server: {
    proxy: { '/v1': collector, '/app/api': collector },
  },
})
