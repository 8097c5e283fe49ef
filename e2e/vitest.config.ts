import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One Chromium and one collector at a time: the machine has 2 cores.
    fileParallelism: false,
    // The files share one worker process (each closes its collector and Chromium), so the collector
    // and playwright are imported once, not per file (50 s of import time in the last CI run).
    isolate: false,
    // expect.poll waits for what the page shows after a collector round trip. The default 1 s is too
    // short when CI runs other packages' tests beside this suite: on one CI run the overview still
    // showed the previous range's numbers after 1 s, and the views tested after it read that range.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
})
