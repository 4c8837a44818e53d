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
   * Failed attempts (`ok: false` results or unreadable outputs) of one chunk before its job fails.
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
  expireIntervalMs: 1_000
} as const

/** How long SQLite waits for another connection's lock before failing a statement. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000
