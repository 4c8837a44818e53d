/**
 * The scheduler's public shapes. The scheduler is driven by calls (submit, lease, complete,
 * renew, release, expire, cancel) and reports what changed through `SchedulerEvents`; it knows
 * nothing of HTTP or of the network.
 */
import type { WireError } from './wire-error.js'

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

export interface JobRequest {
  task: string
  params: unknown
  chunks: number
}

export interface JobView {
  id: string
  task: string
  status: JobStatus
  progress: { done: number; total: number }
  /** ISO 8601. */
  createdAt: string
  finishedAt?: string
  error?: string
}

/** A chunk leased to a worker, ready to send. */
export interface LeaseGrant {
  leaseId: string
  jobId: string
  index: number
  attempt: number
  task: string
  input: unknown
  ttlMs: number
}

export type ChunkOutcome =
  | { leaseId: string; ok: true; output: unknown }
  | { leaseId: string; ok: false; error: WireError }

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
  /** Leases the coordinator should tell their worker to stop (job cancelled). */
  revoke: (worker: string, leaseIds: string[]) => void
}
