/**
 * What the scheduler needs from storage. Every method is synchronous and runs inside the
 * transaction the scheduler opened with `transaction`, so one call of the scheduler is one atomic,
 * durable step. SQLite implements it for the coordinator (`openSqliteStore`); a peer group's
 * submitting peer can use the same.
 */
import type { LeaseRef } from './lease-ids.js'
import type { JobStatus } from './types.js'

/** `leased`: held by a live lease; `retry`: waiting to be leased again; `dropped`: its job ended. */
export type ChunkState = 'leased' | 'retry' | 'done' | 'dropped'

export interface JobRow {
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

export interface NewJob {
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
  /** The attempt number of its newest lease. */
  attempt: number
  /** The tags of all its leases, in attempt order (see `tagOf`). */
  tags: string
}

export interface LiveLease {
  index: number
  attempt: number
  tag: string
  worker: string
}

export interface WorkerStats {
  worker: string
  chunksDone: number
  chunksFailed: number
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
  /** How many chunks wait in `retry`, per job. */
  retryCounts(): Array<{ jobSeq: number, count: number }>
  saveCursor(seq: number, nextIndex: number, status: JobStatus): void
  saveProgress(seq: number, done: number, acc: Uint8Array): void
  /** Ends a job; its leased and waiting chunks are dropped. Returns the leases that were live. */
  endJob(seq: number, end: JobEnd): LiveLease[]

  /** Creates chunk `index` with its first lease (attempt 1). */
  leaseNew(jobSeq: number, index: number, tag: string, worker: string, deadline: number): void
  /** Leases a chunk waiting in `retry` again; returns its new attempt number. */
  leaseRetry(jobSeq: number, index: number, tag: string, worker: string, deadline: number): number
  retryIndexes(jobSeq: number, limit: number): number[]
  chunk(jobSeq: number, index: number): ChunkRow | undefined
  markDone(jobSeq: number, index: number): void
  /** Counts a failed attempt of a chunk and sends it back to `retry`; returns its failures so far. */
  markFailed(jobSeq: number, index: number): number
  /** Extends a lease if it is the chunk's newest, `worker` holds it, and it is live at `now`. */
  renew(lease: LeaseRef, worker: string, now: number, deadline: number): boolean
  /** Sends a chunk back to `retry` if this is its newest lease, live and held by `worker`. */
  release(lease: LeaseRef, worker: string): boolean
  /** Sends every chunk whose lease ran out by `now` back to `retry`; returns their jobs, one per chunk. */
  expire(now: number): number[]
  /** Moves every live lease's deadline (after a restart, when nobody could renew). */
  extendLive(deadline: number): void

  countWorker(worker: string, done: number, failed: number): void
  workerStats(): WorkerStats[]

  close(): void
}
