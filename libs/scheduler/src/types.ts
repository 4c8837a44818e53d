/**
 * The scheduler's public shapes. The scheduler is driven by calls (submit, lease, complete,
 * renew, release, transfer, expire, cancel) and reports what changed through `SchedulerEvents`;
 * it knows nothing of HTTP or of the network. What crosses the wire (a `Lease`, a `ChunkResult`,
 * a `Transfer`) is the protocol's own type.
 */
import type { Lease, Transfer } from '@cycleshare/protocol'

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

export interface JobRequest extends Partial<JobOptions> {
  task: string
  params: unknown
  chunks: number
}

/** How a job's chunks are run and checked. Every field is optional in a request. */
export interface JobOptions {
  /**
   * Copies of each chunk, run on different workers: an integer from 1 to 10, or `"adaptive"`
   * (two copies for new or once-wrong workers, one spot-checked copy for trusted ones). Default 1.
   */
  replication: number | 'adaptive'
  /** Agreeing results that decide a chunk: 1 to `replication`; default `replication` (2 for adaptive). */
  quorum: number
  /** The most results (ok, failed or disagreeing) a chunk may collect before it fails: 1 to 100. */
  maxAttempts: number
  /** How long a worker may run one chunk before aborting it (100 ms to 24 h); none by default. */
  chunkTimeoutMs?: number
  /** Share of the workers against other jobs: 1 to 100, default 1 (priority 2 gets twice the chunks). */
  priority: number
}

/** Copies of a job issued to speed it up, counted since this scheduler started. */
export interface JobStats {
  /** Backup copies issued for slow chunks. */
  backups: number
  /** Chunks decided by their backup copy. */
  backupWins: number
  /** Copies issued to go on from the checkpoint of a lost copy, rather than from the beginning. */
  resumed: number
  /** Leases moved from their worker to another by a transfer (a handoff), each counted once. */
  transfers: number
}

/** One page of `list()`, newest first. */
export interface JobPage {
  /** Jobs in the page: 1 to 500, default 50. */
  limit?: number
  /** A job id: only jobs submitted before it. */
  before?: string
}

export interface JobView {
  id: string
  task: string
  status: JobStatus
  progress: { done: number; total: number }
  options: JobOptions
  stats: JobStats
  /** ISO 8601. */
  createdAt: string
  finishedAt?: string
  error?: string
}

export interface CompleteResult {
  /** Durable now, or already durable (a duplicate): the worker may forget these. */
  accepted: string[]
  /** Will never be counted (unknown lease, job cancelled or finished): the worker may forget these too. */
  rejected: Array<{ leaseId: string; reason: string }>
}

export interface RenewResult {
  renewed: string[]
  lost: string[]
  ttlMs: number
  /** Checkpoints not kept, with why (lease not held by the sender, state invalid or too large). */
  refused: Array<{ leaseId: string; reason: string }>
}

/** A lease's holder `from` hands it, at `epoch`, to `to`: a transfer as the protocol carries it, less its signature. */
/**
 * Who else shares the jobs a pull could be dealt from: a worker gets at most its share of each
 * job's outstanding copies (those waiting, not yet opened, and live), in proportion to its threads,
 * less what it holds of that job already, so that one worker with a deep queue does not take
 * what idle ones could be running. It always gets at least one copy of a job it holds none of.
 */
export interface LeaseShare {
  /** The pulling worker's threads. */
  threads: number
  /** Threads of the workers that may run `task` now, the puller's included. */
  threadsFor(task: string): number
}

export type LeaseTransfer = Pick<Transfer, 'leaseId' | 'epoch' | 'from' | 'to'>

export interface TransferResult {
  /**
   * Leases now held by their transfer's `to` (moved now, or by the same transfer before), whole as
   * the taker runs them: new epoch, the job's input, `resume` from the checkpoint the copy holds.
   */
  moved: Lease[]
  /** Transfers refused, with why; each changed nothing. */
  refused: Array<{ leaseId: string; reason: string }>
}

export interface JobResult {
  /** Media type from the task. */
  type: 'application/json' | 'image/png'
  value: unknown
}

export interface SchedulerEvents {
  /** A job changed status or made progress. */
  job: (job: JobView) => void
  /** Chunks became available (new job, reissue, release): a good moment to announce work. */
  work: (pending: number) => void
  /**
   * Copies the coordinator should tell their worker to stop: the job ended, the chunk was decided
   * by another copy (a straggler's backup won), or the worker was excluded.
   */
  revoke: (worker: string, leaseIds: string[]) => void
  /**
   * A worker's count of live leases changed (leased, reported, released, expired, revoked): the
   * new count, once per worker per change, after it is stored.
   */
  held: (worker: string, held: number) => void
}
