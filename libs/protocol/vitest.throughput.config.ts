import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The decode path's cost on typical and hostile messages: not part of `npm test` (it takes
// seconds and asserts no speed). From the repository root:
//   npx vitest run --config libs/protocol/vitest.throughput.config.ts
// DECODE_RUNS sizes it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    globals: false,
    include: ['src/**/*.bench-test.ts'],
    testTimeout: 600_000,
    pool: 'forks'
  }
})
