/**
 * One line as each end-to-end test starts and ends, with the time of day. The default reporter
 * prints a file's tests once the whole file is over, so a run that stalls inside a file would
 * otherwise not say where.
 */
import type { Reporter, TestCase } from 'vitest/node'

const now = (): string => new Date().toISOString().slice(11, 19)

function name (test: TestCase): string {
  return `${test.module.relativeModuleId} > ${test.fullName}`
}

export default class ProgressReporter implements Reporter {
  onTestCaseReady (test: TestCase): void {
    if (test.project.name === 'e2e') process.stdout.write(`${now()} e2e start ${name(test)}\n`)
  }

  onTestCaseResult (test: TestCase): void {
    if (test.project.name !== 'e2e') return
    const { state } = test.result()
    const ms = Math.round(test.diagnostic()?.duration ?? 0)
    process.stdout.write(`${now()} e2e ${state} ${name(test)} (${ms} ms)\n`)
  }
}
