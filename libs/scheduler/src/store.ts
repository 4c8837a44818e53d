/**
 * What the scheduler needs from storage. Every method is synchronous and runs inside the
 * transaction the scheduler opened with `transaction`, so one call of the scheduler is one atomic,
 * durable step. SQLite implements it for the coordinator (`openSqliteStore`); a peer group's
 * submitting peer can use the same.
 */
import type { LeaseRef } from './lease-ids.js'
import type { JobStatus } from './types.js'

/** `open`: not decided yet; `done`: its agreed output is reduced; `dropped`: its job ended first. */
export type ChunkState = 'open' | 'done' | 'dropped'

/**
 * `live`: out on a worker; `lost`: expired or released without a result; `ok`: its output is stored
 * until the chunk is decided; `failed`: ok:false, unreadable or overran its timeout; `revoked`: still
 * out when its chunk was decided (kept to compare a late result, for trust).
 */
export type CopyState = 'live' | 'lost' | 'ok' | 'failed' | 'revoked'

/** The replication stored for `"adaptive"`. */
export const ADAPTIVE = 0

export interface JobOptionsRow {
  /** Copies of each chunk; `ADAPTIVE` (0) for adaptive replication. */
  replication: number
  quorum: number
  /** Null for jobs stored before options existed: the scheduler's default applies. */
  maxAttempts: number | null
  chunkTimeoutMs: number | null
  priority: number
}

export interface JobRow extends JobOptionsRow {
  seq: number
  id: string
  task: string
  params: Uint8Array
  chunks: number
  /** Chunks below this index have been leased at least once (have a chunk row). */
  nextIndex: number
  done: number
  status: JobStatus
  acc: Uint8Array | null
  result: Uint8Array | null
  resultType: string | null
  error: string | null
  createdAt: number
  finishedAt: number | null
}

export interface NewJob extends JobOptionsRow {
  id: string
  task: string
  params: Uint8Array
  chunks: number
  acc: Uint8Array
  createdAt: number
}

export interface JobEnd {
  status: 'done' | 'failed' | 'cancelled'
  finishedAt: number
  /** Chunks reduced by the end. */
  done: number
  result?: Uint8Array
  resultType?: string
  error?: string
}

/** A chunk that has been leased at least once. */
export interface ChunkRow {
  state: ChunkState
  /** The attempt number of its newest copy. */
  attempt: number
  /** The tags of all its copies, in attempt order (see `tagOf`). */
  tags: string
  /** Copies it is meant to have out or answered. */
  target: number
  /** Agreeing results that decide it. */
  quorum: number
  /** Copies waiting to be issued. */
  needed: number
  /** Results (ok or failed) so far, bounded by the job's maxAttempts. */
  results: number
  /** Failed results so far. */
  failures: number
  /** When it last started waiting for a copy to be issued. */
  waitingSince: number
  /** 1 once a straggler backup copy was issued. */
  backup: number
  /** The decided output (msgpack), once done. */
  agreed: Uint8Array | null
}

/** How a chunk's bookkeeping changes after a result or a lost copy. */
export interface ChunkUpdate {
  needed: number
  results: number
  failures: number
  waitingSince: number
}

export interface CopyRow {
  attempt: number
  tag: string
  worker: string
  state: CopyState
  /** 1 for a straggler backup. */
  backup: number
  leasedAt: number
  deadline: number
  overrunAt: number | null
  result: Uint8Array | null
}

/** The parts of a copy that a result needs. */
export type CopyHead = Pick<CopyRow, 'attempt' | 'worker' | 'state' | 'backup' | 'leasedAt'>

/** A lease's chunk and, while it is kept, its copy: read together when a result comes in. */
export interface LeaseState {
  chunk: ChunkRow
  copy: CopyHead | undefined
}

/** Copies leased to one worker at one instant: what a batch of them shares. */
export interface LeaseBatch {
  jobSeq: number
  worker: string
  leasedAt: number
  deadline: number
  overrunAt: number | null
}

/** A chunk leased for the first time. */
export interface FirstLease {
  index: number
  tag: string
  /** Copies it is meant to have: its replication. */
  target: number
  quorum: number
}

export interface NewCopy {
  jobSeq: number
  index: number
  tag: string
  worker: string
  leasedAt: number
  deadline: number
  overrunAt: number | null
  backup: boolean
}

export interface LiveLease {
  index: number
  attempt: number
  tag: string
  worker: string
}

/** A copy of any job, with its chunk. */
export interface CopyRef extends LiveLease {
  jobSeq: number
}

/** A copy whose deadline passed. */
export interface DueCopy extends CopyRef {
  state: 'live' | 'revoked'
  overrunAt: number | null
}

/** A live copy, oldest first, for straggler backups. */
export interface AgedCopy extends CopyRef {
  leasedAt: number
}

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
  /** Results outvoted by the decided result. */
  invalid: number
  /** Why the worker is excluded, if it is. */
  excluded?: string
}

export interface SchedulerStore {
  /**
   * Runs `fn` in one write transaction (nested calls join it); rolls back if it throws. A durable
   * transaction is on disk when this returns; one that is not (leases, renewals: state that a
   * restart rebuilds or forgives) may be lost in a power cut, but never reordered after a later
   * durable one, which takes it to disk along with itself.
   */
  transaction<T>(fn: () => T, durable?: boolean): T

  insertJob(job: NewJob): number
  job(id: string): JobRow | undefined
  jobStatus(seq: number): JobStatus | undefined
  /** Newest first. */
  jobs(): JobRow[]
  /** Queued and running jobs, oldest first. */
  activeJobs(): JobRow[]
  /** Copies waiting to be issued, per job. */
  waitingCounts(): Array<{ jobSeq: number, count: number }>
  saveCursor(seq: number, nextIndex: number, status: JobStatus): void
  saveProgress(seq: number, done: number, acc: Uint8Array): void
  /** Ends a job; its open chunks are dropped and its copies forgotten. Returns the copies that were live. */
  endJob(seq: number, end: JobEnd): LiveLease[]

  /**
   * Creates chunks leased for the first time, consecutive indexes from `chunks[0].index`, each
   * with its first copy (attempt 1) out on the batch's worker and `target - 1` copies waiting.
   */
  createChunks(batch: LeaseBatch, chunks: FirstLease[]): void
  /**
   * Waiting chunks of a job that `worker` may take a copy of: it holds none and has no ok result
   * for it, and has not failed it unless the chunk has waited since `failedBefore`.
   */
  eligibleWaiting(jobSeq: number, worker: string, failedBefore: number, limit: number): number[]
  /** Issues the next copy of a chunk (a backup does not use up `needed`); returns its attempt. */
  issueCopy(copy: NewCopy): number
  chunk(jobSeq: number, index: number): ChunkRow | undefined
  updateChunk(jobSeq: number, index: number, update: ChunkUpdate): void
  copy(jobSeq: number, index: number, attempt: number): CopyRow | undefined
  /** The chunk of a lease and the lease's copy, if the chunk exists. */
  leaseState(lease: LeaseRef): LeaseState | undefined
  copies(jobSeq: number, index: number): CopyRow[]
  setCopy(jobSeq: number, index: number, attempt: number, state: CopyState, result?: Uint8Array | null): void
  deleteCopy(jobSeq: number, index: number, attempt: number): void
  /**
   * Marks a chunk done with its agreed output (sent by copy `winner`); its other live copies become
   * `revoked` (returned), the rest are forgotten. Without `agreed` the winner is the chunk's only
   * copy ever issued: nothing to revoke, nothing to compare later, two statements.
   */
  decide(jobSeq: number, index: number, winner: number, agreed?: Uint8Array): LiveLease[]
  /** Extends a live copy held by `worker` and live at `now`, to `deadline` or its overrun, whichever comes first. */
  renew(lease: LeaseRef, worker: string, now: number, deadline: number): boolean
  /** Live and revoked copies whose deadline is at or before `now`. */
  dueCopies(now: number): DueCopy[]
  /** Live copies, oldest first. */
  liveCopies(): AgedCopy[]
  /** Live copies held by one worker. */
  liveCopiesOf(worker: string): CopyRef[]
  /** Moves every live copy's deadline (after a restart, when nobody could renew); overruns no earlier than it. */
  extendLive(deadline: number): void

  countWorker(worker: string, delta: TrustDelta): WorkerTrust
  trust(worker: string): WorkerTrust | undefined
  exclude(worker: string, reason: string): void
  exclusions(): Array<{ worker: string, reason: string }>
  workerStats(): WorkerStats[]

  close(): void
}
