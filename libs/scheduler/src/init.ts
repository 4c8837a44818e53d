import { defaultSchedulerInit } from './constants.js'

export interface SchedulerInit {
  /**
   * How long a worker holds a chunk without renewing before it is reissued.
   * @defaultValue 30_000
   */
  leaseTtlMs?: number
  /**
   * Results (failed ones included) of one chunk before its job fails; a job's own default is
   * `max(maxAttempts, replication + 2)`.
   * @defaultValue 5
   */
  maxAttempts?: number
  /**
   * The largest chunk count a job may ask for.
   * @defaultValue 10_000_000
   */
  maxChunks?: number
  /**
   * How often the timer reissues expired leases.
   * @defaultValue 1_000
   */
  expireIntervalMs?: number
  /**
   * How long a chunk that failed on a worker waits for another taker before that worker may retry it.
   * @defaultValue 5_000
   */
  sameWorkerRetryMs?: number
  /**
   * Times a worker may be outvoted before it is excluded.
   * @defaultValue 3
   */
  excludeAfterInvalid?: number
  /**
   * Valid results (and none invalid) that make a worker trusted for adaptive replication.
   * @defaultValue 10
   */
  trustAfter?: number
  /**
   * The lowest rate at which a trusted worker's single copies are spot-checked (0 to 1).
   * @defaultValue 0.05
   */
  minSpotCheck?: number
  /**
   * A chunk running at least this long may get a straggler backup copy.
   * @defaultValue 1_000
   */
  backupMinMs?: number
  /**
   * A chunk running longer than this many times its job's median chunk time may get a backup copy.
   * @defaultValue 2
   */
  backupFactor?: number
  /**
   * Whether slow chunks get backup copies at all.
   * @defaultValue true
   */
  stragglerBackups?: boolean
}

/** The options in force: every default filled in. */
export type SchedulerOptions = Required<SchedulerInit>

const POSITIVE = ['leaseTtlMs', 'maxAttempts', 'maxChunks', 'expireIntervalMs', 'excludeAfterInvalid', 'trustAfter', 'backupMinMs'] as const

/** Merges `init` over the defaults; throws TypeError/RangeError naming the first bad option. */
export function validateInit (init: SchedulerInit): SchedulerOptions {
  if (init === null || typeof init !== 'object') throw new TypeError('options must be an object')
  const options = { ...defaultSchedulerInit, ...init }
  for (const key of POSITIVE) {
    const value = options[key]
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`options.${key} must be a positive integer`)
  }
  if (!Number.isSafeInteger(options.sameWorkerRetryMs) || options.sameWorkerRetryMs < 0) {
    throw new RangeError('options.sameWorkerRetryMs must be a non-negative integer')
  }
  if (typeof options.minSpotCheck !== 'number' || !(options.minSpotCheck >= 0 && options.minSpotCheck <= 1)) {
    throw new RangeError('options.minSpotCheck must be a number from 0 to 1')
  }
  if (typeof options.backupFactor !== 'number' || !Number.isFinite(options.backupFactor) || options.backupFactor <= 0) {
    throw new RangeError('options.backupFactor must be a positive number')
  }
  if (typeof options.stragglerBackups !== 'boolean') throw new TypeError('options.stragglerBackups must be a boolean')
  return options
}
