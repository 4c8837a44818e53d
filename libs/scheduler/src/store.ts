/**
 * What the scheduler needs from storage, in the scheduler's own terms: jobs added, listed and
 * ended; chunks opened; leases (copies of a chunk) issued, renewed, moved to another holder,
 * checkpointed, lost and answered; chunks decided; workers counted. Every method is synchronous and
 * runs inside the transaction the scheduler opened with `transaction`, so one call of the scheduler
 * is one atomic, durable step.
 *
 * SQLite implements it for the coordinator (`@cycleshare/scheduler/sqlite`); an implementation
 * is proven by `storeConformance` (store-conformance.suite.ts).
 */
import type { LeaseRef } from './lease-ids.js'
import type { JobStatus } from './types.js'
import type { FailureRecord, FailureRow, TrustDelta, WorkerStats, WorkerTrust } from './store-records.js'

/** `open`: not decided yet; `done`: its agreed output is reduced; `dropped`: its job ended first. */
export type ChunkState = 'open' | 'done' | 'dropped'

/**
 * A copy is one lease of a chunk. `live`: out on a worker; `lost`: expired or released without a
 * result; `ok`: its output is stored until the chunk is decided; `failed`: ok:false, unreadable or
 * overran its timeout; `revoked`: still out when its chunk was decided (kept to compare a late
 * result, for trust).
 */
export type CopyState = 'live' | 'lost' | 'ok' | 'failed' | 'revoked'

/** The replication stored for `"adaptive"`. */
export const ADAPTIVE = 0

/** The epoch of a lease when it is issued; a transfer to another holder raises it. */
export const FIRST_EPOCH = 1

export interface JobOptionsRow {
  /** Copies of each chunk; `ADAPTIVE` (0) for adaptive replication. */
  replication: number
  quorum: number
  /** Null for jobs stored before options existed: the scheduler's default applies. */
  maxAttempts: number | null
  chunkTimeoutMs: number | null
  priority: number
}

/** What a job's view needs: no params, accumulator or result. */
export interface JobSummary extends JobOptionsRow {
  seq: number
  id: string
  task: string
  chunks: number
  done: number
  /** Failed results of its chunks, over its whole life. */
  failures: number
  status: JobStatus
  error: string | null
  createdAt: number
  finishedAt: number | null
}

/** A queued or running job, with what leasing and reducing need. */
export interface ActiveJobRecord extends JobSummary {
  params: Uint8Array
  acc: Uint8Array | null
  /** Chunks below this index have been leased at least once (are open or decided). */
  nextIndex: number
  /** Copies waiting to be issued, over all its open chunks. */
  waiting: number
  /** Open chunks with at least one ok result, waiting for more to reach their quorum. */
  verifying: number
}

/** A job's status and, once it is done, its result. */
export interface StoredResult {
  status: JobStatus
  result: Uint8Array | null
  resultType: string | null
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

/** One page of the job list, newest first. */
export interface JobPageQuery {
  limit: number
  /** Only jobs older (smaller seq) than this one. */
  beforeSeq?: number
}

/** A chunk that has been leased at least once: its tally. */
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
  /** The decided output (msgpack), kept once done while a revoked copy may still report. */
  agreed: Uint8Array | null
}

/** An open chunk's counts after an answer that decided nothing, or a lost copy. */
export interface ChunkCounts {
  /** Copies it now waits for. */
  needed: number
  results: number
  failures: number
  /** When it started waiting for the copies it waits for. */
  waitingSince: number
}

/** A copy (lease) of a chunk, with its answer once it has one. */
export interface CopyRow {
  attempt: number
  tag: string
  worker: string
  state: CopyState
  /** 1 when issued; a transfer to another holder raises it. */
  epoch: number
  /** 1 for a straggler backup. */
  backup: number
  leasedAt: number
  deadline: number
  overrunAt: number | null
  /** The output (`ok`) or the reason (`failed`), msgpack. */
  result: Uint8Array | null
  /**
   * The latest checkpoint (msgpack) of a live or lost copy: the state a copy issued after it is
   * lost goes on from. A copy issued from it keeps it as its own until it checkpoints further.
   */
  checkpoint: Uint8Array | null
  /** An ok copy's credit claim: its worker's CPU milliseconds for it, at most the time from its lease to its answer. */
  creditMs: number | null
}

/** The parts of a copy that a result needs. */
export type CopyHead = Pick<CopyRow, 'attempt' | 'worker' | 'state' | 'backup' | 'leasedAt'>

/** A lease's chunk and, while it is kept, its copy: the one read per result. */
export interface LeaseState {
  chunk: ChunkRow
  copy: CopyHead | undefined
}

/** A chunk's tally and all its copies, in attempt order. */
export interface Ballot {
  chunk: ChunkRow
  copies: CopyRow[]
}

/** Leases issued to one worker at one instant: what a batch of them shares. */
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

/** Another copy of an open chunk: a waiting one, or a straggler backup. */
export interface NewCopy extends LeaseBatch {
  index: number
  tag: string
  /** A backup does not use up a waiting copy. */
  backup: boolean
}

/** A copy just issued. */
export interface IssuedCopy {
  attempt: number
  /** The checkpoint it goes on from (taken from a lost copy of its chunk); null: from the beginning. */
  checkpoint: Uint8Array | null
}

/** One attempt at one chunk. */
export type AttemptRef = Pick<LeaseRef, 'jobSeq' | 'index' | 'attempt'>

/** A live lease and its holder. */
export interface LiveLease extends LeaseRef {
  worker: string
}

/** A lease whose deadline passed: live (it expired) or revoked (no late result came). */
export interface DueLease extends LiveLease {
  state: 'live' | 'revoked'
  overrunAt: number | null
}

/** A live lease and when it was issued, for straggler backups. */
export interface AgedLease extends LiveLease {
  leasedAt: number
}

export type { FailureRecord, FailureRow, TrustDelta, WorkerStats, WorkerTrust } from './store-records.js'

export interface SchedulerStore {
  /**
   * Runs `fn` in one write transaction (nested calls join it); rolls back if it throws. A durable
   * transaction is on disk when this returns; one that is not (leases, renewals: state that a
   * restart rebuilds or forgives) may be lost in a power cut, but never reordered after a later
   * durable one, which takes it to disk along with itself.
   */
  transaction<T>(fn: () => T, durable?: boolean): T

  // ── jobs ──────────────────────────────────────────────────────────────────────────────────

  /** Stores a new queued job; returns its seq, larger than every job's before it. */
  addJob(job: NewJob): number
  /** A job's summary by id. */
  job(id: string): JobSummary | undefined
  /** A job's status and, once done, its result. */
  jobResult(id: string): StoredResult | undefined
  /** A job's status by seq: why a report of one of its leases is refused. */
  jobStatus(seq: number): JobStatus | undefined
  /** Job summaries, newest first. */
  listJobs(query: JobPageQuery): JobSummary[]
  /** How many jobs are in each status (statuses with none are left out). */
  jobCounts(): Partial<Record<JobStatus, number>>
  /** Queued and running jobs, oldest first. */
  activeJobs(): ActiveJobRecord[]
  /** Finished jobs (done, failed, cancelled) that ended before `at`, the earliest ended first, at most `limit`. */
  finishedBefore(at: number, limit: number): Array<{ seq: number, id: string }>
  /**
   * Deletes a finished job and all that is kept of it: its chunks, copies and failure log. Its
   * seq is never given to another job.
   */
  removeJob(seq: number): void
  /** A job's reduced chunks and accumulator, after a batch of results. */
  saveProgress(seq: number, done: number, acc: Uint8Array): void
  /**
   * Ends a job: its open chunks are dropped, its copies forgotten, its accumulator cleared.
   * Returns the leases that were live, to revoke.
   */
  endJob(seq: number, end: JobEnd): LiveLease[]

  // ── leases ────────────────────────────────────────────────────────────────────────────────

  /**
   * Opens chunks leased for the first time, consecutive from the job's cursor: each with its first
   * copy (attempt 1, epoch 1) out on the batch's worker and `target - 1` copies waiting. The job's
   * cursor moves past them and the job is running.
   */
  openChunks(batch: LeaseBatch, chunks: FirstLease[]): void
  /**
   * Waiting chunks of a job, by index, that `worker` may take a copy of: it holds none and has no
   * ok result for it, and has not failed it unless the chunk has waited since `failedBefore`.
   */
  eligibleWaiting(jobSeq: number, worker: string, failedBefore: number, limit: number): number[]
  /**
   * Issues the next copy of an open chunk (epoch 1); a backup does not use up a waiting copy.
   * A waiting copy (not a backup) takes the checkpoint of the chunk's newest lost copy that still
   * has one (the highest attempt): cleared there, so that each lost copy's state seeds one copy
   * at most and lineages stay apart. Never from a live, answered or revoked copy. A backup (of a
   * single-copy chunk's straggler) starts from a copy of the newest live copy's checkpoint, which
   * the straggler keeps. Returns its attempt and checkpoint; throws if the chunk is not open.
   */
  issueCopy(copy: NewCopy): IssuedCopy
  /**
   * Extends each lease `worker` holds that is live at `now`, to `deadline` or its overrun,
   * whichever comes first. Returns, in order, whether each was renewed.
   */
  renew(worker: string, leases: readonly LeaseRef[], now: number, deadline: number): boolean[]
  /**
   * Keeps `checkpoint` (msgpack) as the latest of a live lease `worker` holds, replacing the one
   * before. Returns whether it was live and held.
   */
  saveCheckpoint(worker: string, lease: LeaseRef, checkpoint: Uint8Array): boolean
  /**
   * Moves a live lease from `from`, which holds it at `epoch`, to `to` (a handoff): its epoch is
   * raised by one and its deadline renewed as `renew` would (to `deadline` or its overrun,
   * whichever comes first); its checkpoint stays. Returns whether it moved: not if it is not live
   * at `now`, not held by `from`, or not at `epoch`.
   */
  moveLease(lease: LeaseRef, from: string, epoch: number, to: string, now: number, deadline: number): boolean
  /**
   * Takes a live lease back without a result: released by `holder` (if given, only if it holds
   * it), expired, or its holder excluded. Returns whether it was live (and held). The copy keeps
   * its checkpoint, for the copy issued after it.
   */
  loseLease(lease: LeaseRef, holder?: string): boolean
  /** Forgets the checkpoints of every copy `worker` held: an excluded worker's states seed nothing. */
  dropCheckpoints(worker: string): void
  /** Live and revoked leases whose deadline is at or before `now`, soonest first. */
  dueLeases(now: number): DueLease[]
  /** Live leases, oldest first; with `leasedBy`, only those leased at or before it. */
  liveLeases(leasedBy?: number): AgedLease[]
  /** Live leases held by one worker, by job and chunk. */
  leasesHeldBy(worker: string): LiveLease[]
  /**
   * Moves every live lease's deadline (after a restart, when nobody could renew); overruns no
   * earlier than it.
   */
  extendLive(deadline: number): void

  // ── results and decisions ─────────────────────────────────────────────────────────────────

  /** The chunk of a lease and the lease's copy, if the chunk exists. */
  leaseState(lease: AttemptRef): LeaseState | undefined
  /** A chunk's tally and copies, if the chunk exists. */
  ballot(jobSeq: number, index: number): Ballot | undefined
  /**
   * Records an ok result of a copy that has none (live, or lost: a late result still counts); an
   * answered copy keeps no checkpoint. Returns the chunk's copies afterwards, to count the votes.
   */
  recordVote(lease: AttemptRef, output: Uint8Array, creditMs: number): CopyRow[]
  /**
   * Records a failed result of a copy that has none; `reason` (msgpack) names the error; it keeps
   * no checkpoint. Returns the chunk's copies afterwards.
   */
  recordFailure(lease: AttemptRef, reason: Uint8Array | null): CopyRow[]
  /** Logs a failed result (kept after its chunk is decided) and counts it on its job. */
  logFailure(failure: FailureRecord): void
  /** Logged failures, newest first: of one job, or of every job. */
  failures(query: { jobSeq?: number, limit: number }): FailureRow[]
  /** Forgets a revoked copy: its late result was judged, or its deadline passed. */
  forgetRevoked(lease: AttemptRef): void
  /** Stores an open chunk's counts after an answer that decided nothing, or a lost copy. */
  needCopies(jobSeq: number, index: number, counts: ChunkCounts): void
  /**
   * Marks a chunk done with its agreed output (sent by copy `winner`); its other live copies become
   * `revoked` (returned, without checkpoints), the rest are forgotten. Without `agreed` the winner is the chunk's only
   * copy ever issued: nothing to revoke, nothing to compare later.
   */
  decide(jobSeq: number, index: number, winner: number, agreed?: Uint8Array): LiveLease[]

  // ── workers ───────────────────────────────────────────────────────────────────────────────

  /** Adds to a worker's record (creating it); returns its trust afterwards. */
  countWorker(worker: string, delta: TrustDelta): WorkerTrust
  trust(worker: string): WorkerTrust | undefined
  /** Excludes a worker that has a record, for `reason`. */
  exclude(worker: string, reason: string): void
  exclusions(): Array<{ worker: string, reason: string }>
  /** Every worker's record, by worker; or only `worker`'s (none if it has no record). */
  workerStats(worker?: string): WorkerStats[]

  close(): void
}
