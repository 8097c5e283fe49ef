import { defineConfig } from 'vitest/config'

/** Files that mock a module (`vi.mock`) or spy on a global: they need a process of their own. */
const mocking = [
  'test/crm-feed-restart.test.ts',
  'test/clickhouse-server.test.ts',
  'test/internals/fsync-thread.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // Feature tests (test/*.test.ts) start the collector on the real embedded ClickHouse;
    // test/internals/ holds per-module tests. Most share their worker process with the files
    // before them (each closes its engine: chDB takes one data directory at a time), which saves
    // importing the collector again for every file: 160 → 121 s for the suite here, ~50 s of CPU.
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: mocking, isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: mocking } },
    ],
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
