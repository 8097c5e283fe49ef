import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Feature tests (test/*.test.ts) start the collector on the real embedded ClickHouse;
    // test/internals/ holds per-module tests.
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // `npm run coverage`: the collector core (ingest → log → store) is held to 95% of lines
    // (shared/STYLE.md habit 11). The crash test's child process is not counted.
    coverage: {
      provider: 'v8',
      include: ['src/ingest/**', 'src/log/**', 'src/store/**'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 95 },
    },
  },
})
