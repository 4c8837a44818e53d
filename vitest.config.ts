import { defineConfig } from 'vitest/config'
import ProgressReporter from './test/progress-reporter.js'

// Unit tests sit beside their sources and run in parallel; end-to-end tests in test/ spawn real
// processes that compete for two cores, so they run one file at a time.
export default defineConfig({
  test: {
    globals: false,
    reporters: ['default', new ProgressReporter()],
    setupFiles: ['./libs/peer/src/polyfill.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 30_000
        }
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
})
