/**
 * The scheduler's public shapes. The scheduler is driven by calls (submit, lease, complete,
 * renew, release, transfer, expire, cancel) and reports what changed through `SchedulerEvents`;
 * it knows nothing of HTTP or of the network. What crosses the wire (a `Lease`, a `ChunkResult`,
 * a `Transfer`) is the protocol's own type.
 */
import type { Lease, Transfer } from '@cycleshare/protocol'
import type { ChunkEvent, JobView } from '@cycleshare/api'

export type { FailureView, JobOptions, JobPage, JobRequest, JobStats, JobStatus, JobView } from '@cycleshare/api'

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
  /** A finished job was removed (`remove`, `prune`): it is gone from the store. */
  removed: (id: string) => void
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
  /**
   * What happened to chunk copies in one write, in order: leased to a worker, answered ok or
   * failed, lost (expired or released), moved to another worker, or revoked (decided by another
   * copy). Collected only while someone listens: a dashboard's task stream.
   */
  chunks: (events: ChunkEvent[]) => void
}

export type { ChunkEvent, ChunkEventKind } from '@cycleshare/api'
