import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Feature tests (test/*.test.ts) run the plugin on a real embedded ClickHouse (chDB), one per
    // file; test/internals/ holds per-module tests without ClickHouse.
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // Files share their worker process (each closes its engine: chDB takes one data directory at a
    // time), so the CRM is imported once per worker, not per file: 41 s of import time in CI before.
    isolate: false,
  },
})
