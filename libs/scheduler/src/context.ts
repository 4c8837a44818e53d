/**
 * What the policy modules (jobs, leasing, quorum, trust, stragglers, expiry) share: the jobs kept
 * in memory and one context through which each sees the store, the options, the effects of the
 * write in progress, and the few calls one policy makes into another. Each module takes the
 * `Pick` of `SchedulerContext` it uses, so its dependencies read at its top; the facade
 * (scheduler.ts) builds the context and opens every transaction.
 */
import type { AnyTask } from '@cycleshare/tasks'
import type { Durations } from './durations.js'
import type { SchedulerOptions } from './init.js'
import type { AttemptRef, Ballot, ChunkRow, JobEnd, LiveLease, SchedulerStore, TrustDelta } from './store.js'
import type { ChunkEventKind, JobStats, JobView, SchedulerEvents } from './types.js'
import type { HeldLeases } from './held.js'
import type { Stats } from './stats.js'

/** A queued or running job, kept in memory so that leasing and reducing never decode it again. */
export interface ActiveJob {
  seq: number
  id: string
  task: AnyTask
  params: unknown
  chunks: number
  nextIndex: number
  done: number
  /** Copies waiting to be issued, over all its open chunks. */
  waiting: number
  /** Open chunks with an ok result that wait for more to reach their quorum. */
  verifying: number
  /** Failed results of its chunks, over its whole life (the failure log's count). */
  failures: number
  status: 'queued' | 'running'
  acc: unknown
  createdAt: number
  /** `ADAPTIVE` (0) or the copies of each chunk. */
  replication: number
  quorum: number
  maxAttempts: number
  chunkTimeoutMs: number | null
  priority: number
  /** Stride scheduling's pass: the job with the smallest gets the next chunk. */
  pass: number
  durations: Durations
}

/** An event as queued during a write: its name and its listener's arguments. */
export type SchedulerEvent = { [E in keyof SchedulerEvents]: [E, ...Parameters<SchedulerEvents[E]>] }[keyof SchedulerEvents]

export interface SchedulerContext {
  readonly store: SchedulerStore
  readonly options: SchedulerOptions
  /** Milliseconds since the epoch. */
  now(): number
  /** Queued and running jobs by seq, oldest first. */
  readonly active: ReadonlyMap<number, ActiveJob>
  /** Live leases by worker and job. */
  readonly holding: Pick<HeldLeases, 'ofJob' | 'job'>

  // effects of the write in progress, applied once it commits
  /** Queues an event, emitted once the write commits (dropped if it rolls back). */
  emit(...event: SchedulerEvent): void
  /** The write made copies wait to be leased: one `work` event after it. */
  workAdded(): void
  /** Moves a worker's count of live leases; its `held` event follows the write. */
  hold(worker: string, jobSeq: number, delta: number): void
  /** Leases nobody needs any more: their holders' counts drop and each holder hears of its own. */
  revoke(leases: readonly LiveLease[]): void
  /** Records what happened to a copy for the `chunks` event (a no-op while nobody listens). */
  trace(kind: ChunkEventKind, job: { id: string }, copy: { index: number, attempt: number }, worker: string, error?: string): void
  /** Counts for metrics (stats.ts), kept only if the write commits. */
  readonly stats: Pick<Stats, 'count' | 'latency'>

  // one policy's calls into another
  /** jobs: a job's counts of backups, resumed copies and transfers, since this process started. */
  jobStats(seq: number): JobStats
  /** jobs: an active job's view, for its events. */
  view(job: ActiveJob): JobView
  /** jobs: ends an active job inside the write, revoking the leases it still had out. */
  end(job: ActiveJob, end: Omit<JobEnd, 'done'>): JobView
  /** jobs: finalizes a job whose chunks are all reduced. */
  finish(job: ActiveJob): void
  /** trust: why a worker is excluded, if it is. */
  exclusion(worker: string): string | undefined
  /** trust: adds to a worker's record; may exclude it. */
  countWorker(worker: string, delta: TrustDelta): void
  /** quorum: a failed result (ok:false, unreadable, past its timeout) of an open chunk's copy. */
  fail(job: ActiveJob, lease: AttemptRef, worker: string, reason: string, chunk: ChunkRow): void
  /** quorum: an open chunk after a result that decided nothing, or a lost copy. */
  evaluate(job: ActiveJob, index: number, ballot: Ballot, lastFailure?: string): void
}
