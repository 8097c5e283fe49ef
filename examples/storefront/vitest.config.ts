import { defineConfig } from 'vitest/config'

// Unit tests of the shop's own logic; the whole journey runs in a real Chromium in e2e/.
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } })
