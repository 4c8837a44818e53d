import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The scheduler's throughput measure: not part of `npm test` (it takes seconds and asserts no
// speed). From the repository root:
//   npx vitest run --config libs/scheduler/vitest.throughput.config.ts
// THROUGHPUT_CHUNKS and THROUGHPUT_RUNS size it; THROUGHPUT_PROF=<dir> writes a CPU profile there.
const prof = process.env.THROUGHPUT_PROF
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    globals: false,
    include: ['src/**/*.bench-test.ts'],
    testTimeout: 600_000,
    pool: 'forks',
    execArgv: prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`]
  }
})
