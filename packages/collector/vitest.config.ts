import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Feature tests (test/*.test.ts) start the collector on the real embedded ClickHouse;
    // test/internals/ holds per-module tests.
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
})
