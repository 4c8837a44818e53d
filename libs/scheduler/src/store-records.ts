/**
 * The store's records of workers (their counts, trust and credit) and of failed results (the
 * failure log): what `SchedulerStore` (store.ts) reads and writes for them.
 */

/** Counts to add to a worker's record. */
export interface TrustDelta {
  /** Single-copy results accepted (nobody to compare them with). */
  accepted?: number
  /** Results that agreed with the decided result. */
  valid?: number
  /** Results outvoted by the decided result. */
  invalid?: number
  /** ok:false results, unreadable outputs and timeouts. */
  failed?: number
  /** Credit earned: CPU milliseconds of its accepted or valid results. */
  creditMs?: number
  /** When these results came (ms since the epoch): the record's `lastSeen` becomes at least this. */
  at?: number
}

export interface WorkerTrust {
  valid: number
  invalid: number
  excluded: string | null
}

export interface WorkerStats {
  worker: string
  /** Results accepted and counted toward a decided chunk: agreed with a quorum, or single copies. */
  chunksDone: number
  chunksFailed: number
  /** Of chunksDone: results a quorum of other workers' results confirmed. */
  valid: number
  /** CPU milliseconds of its accepted and valid results (BOINC's credit). */
  creditMs: number
  /** Results outvoted by the decided result. */
  invalid: number
  /** Why the worker is excluded, if it is. */
  excluded?: string
  /** When its last counted result came, in ms since the epoch (0: none since this was recorded). */
  lastSeen: number
}

/** A failed result of a chunk's copy, as the failure log keeps it. */
export interface FailureRecord {
  jobSeq: number
  index: number
  attempt: number
  worker: string
  error: string
  /** Milliseconds since the epoch. */
  at: number
}

/** A failure with its job's id, as read back. */
export interface FailureRow extends FailureRecord {
  jobId: string
}
