import { defineConfig } from 'tsup'

export default defineConfig({
  // The CRM feed's worker thread is a script of its own (src/crm-feed/crm-feed-worker.ts starts it).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'crm-feed-worker': 'src/crm-feed/feed-worker.ts' },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
})
