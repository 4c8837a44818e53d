/** Jobs as the HTTP API takes and shows them (`/api/jobs`), and as the scheduler keeps them. */

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** Statuses a job never leaves. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled']

export const isFinished = (status: JobStatus): boolean => FINISHED_STATUSES.includes(status)

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

/** Limits of one page of `GET /api/jobs`. */
export const JOB_PAGE = { defaultLimit: 50, maxLimit: 500 } as const

/** One page of the job list, newest first. */
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

/** `POST /api/jobs` answers with the new job's id (201). */
export interface SubmittedJob { id: string }
