import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The delivery scenarios first: they take about as long as all the other files together, which
 * share the second worker meanwhile. Left to the default order (a clean clone has no timings
 * cached, so by file size), the small delivery file would start last and run alone.
 */
class DeliveryFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const isDelivery = (file: TestSpecification) => file.moduleId.endsWith('/delivery.test.ts')
    return [...sorted.filter(isDelivery), ...sorted.filter((file) => !isDelivery(file))]
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at a time, each with its own Chromium and collector: the delivery scenarios spend
    // much of their time waiting (the 250 ms lead, pages leaving, storage), and one file at a time
    // made this suite the longest part of `npm test` (390 s of its ~9 min on CI; 176 s here
    // with two against ~260 s with one).
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: DeliveryFirst },
    // expect.poll waits for what the page shows after a collector round trip. The default 1 s is too
    // short when CI runs other packages' tests beside this suite: on one CI run the overview still
    // showed the previous range's numbers after 1 s, and the views tested after it read that range.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
})
