/**
 * Scheduler defaults, merged as `{ ...defaultSchedulerInit, ...init }`.
 */
export const defaultSchedulerInit = {
  /**
   * How long a worker holds a chunk without renewing before it is reissued to someone else.
   * @defaultValue 30_000
   */
  leaseTtlMs: 30_000,
  /**
   * Results of one chunk (failed ones included) before its job fails; a job's own default is
   * `max(maxAttempts, replication + 2)`.
   * @defaultValue 5
   */
  maxAttempts: 5,
  /**
   * The largest chunk count a job may ask for; splitting is lazy, so this bounds counters, not memory.
   * @defaultValue 10_000_000
   */
  maxChunks: 10_000_000,
  /**
   * How often the timer looks for expired leases.
   * @defaultValue 1_000
   */
  expireIntervalMs: 1_000,
  /**
   * How long a chunk that failed on a worker waits for another taker before that worker may retry it.
   * @defaultValue 5_000
   */
  sameWorkerRetryMs: 5_000,
  /**
   * Times a worker may be outvoted by a quorum before it is excluded.
   * @defaultValue 3
   */
  excludeAfterInvalid: 3,
  /**
   * Valid results (and none invalid) that make a worker trusted for adaptive replication.
   * @defaultValue 10
   */
  trustAfter: 10,
  /**
   * The lowest rate at which a trusted worker's single copies are spot-checked (0 to 1).
   * @defaultValue 0.05
   */
  minSpotCheck: 0.05,
  /**
   * A chunk running at least this long may get a straggler backup copy.
   * @defaultValue 1_000
   */
  backupMinMs: 1_000,
  /**
   * A chunk running longer than this many times its job's median chunk time may get a backup copy.
   * @defaultValue 2
   */
  backupFactor: 2,
  /**
   * Whether slow chunks get backup copies at all.
   * @defaultValue true
   */
  stragglerBackups: true as boolean
} as const

/** Bounds of a job's options, checked by `submit`. */
export const JOB_LIMITS = {
  replication: { min: 1, max: 10 },
  maxAttempts: { min: 1, max: 100 },
  chunkTimeoutMs: { min: 100, max: 86_400_000 },
  priority: { min: 1, max: 100 }
} as const

/** Pages of `list()`: how many jobs when the caller does not say, and the most it may ask for. */
export { JOB_PAGE } from '@cycleshare/api'

/** Durations of finished chunks kept per job to estimate its median, for straggler backups. */
export const DURATION_SAMPLES = 63

/** Longest the text of one conflicting result may take in a chunk's failure message. */
export const MAX_RESULT_TEXT = 120

/** Longest a chunk's failure message may be. */
export const MAX_ERROR_TEXT = 1_000

/** How long SQLite waits for another connection's lock before failing a statement. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000

/** Finished jobs `prune` removes in one transaction when the caller does not say: a bounded write. */
export const PRUNE_BATCH = 500
