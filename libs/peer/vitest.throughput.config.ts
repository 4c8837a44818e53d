import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The request channel's round-trip measure: not part of `npm test` (it takes seconds and asserts
// no speed). From the repository root:
//   npx vitest run --config libs/peer/vitest.throughput.config.ts
// ROUND_TRIP_CALLS and ROUND_TRIP_RUNS size it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    globals: false,
    setupFiles: ['./src/polyfill.ts'],
    include: ['src/**/*.bench-test.ts'],
    testTimeout: 600_000,
    pool: 'forks'
  }
})
