import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Feature tests (test/*.test.ts) deliver to the real collector on the embedded ClickHouse;
    // test/internals/ holds per-module tests.
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // Files share their worker process (each closes its collector: chDB takes one data directory at
    // a time), so the collector is imported once per worker, not per file: 36 s of import time in CI before.
    isolate: false,
  },
})
