import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // `npm run bench`: generates data into an embedded ClickHouse and writes BENCHMARKS.md.
    include: ['bench/**/*.bench.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
  },
})
