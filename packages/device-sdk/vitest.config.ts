import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // test/*.test.ts: the TS codec against the shared vectors, the C library compiled with gcc,
    // and a fuzz run of the decoder.
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    maxWorkers: 2,
  },
})
