import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/feed.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/feed.ts'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
})
