/**
 * Fixtures of the store conformance suite: stored values in comparable form, and jobs to store.
 */
import type { LeaseRef } from '../lease-ids.js'
import type { CopyRow, JobSummary, LeaseBatch, NewJob, SchedulerStore } from '../store.js'

/** What the suite's parts share: the store under test (a fresh one per test) and how to fill it. */
export interface StoreUnderTest {
  store: () => SchedulerStore
  /** A job with chunks 0..n-1 opened, each leased first to `worker`; returns its seq and leases. */
  opened: (n: number, options?: { target?: number, quorum?: number, worker?: string, at?: number, deadline?: number, overrunAt?: number | null, id?: string }) => { seq: number, batch: LeaseBatch, leases: LeaseRef[] }
}

/** Bytes as a plain array: stores may hand back a Buffer or a Uint8Array. */
export const bytes = (value: Uint8Array | null | undefined): number[] | null => value == null ? null : Array.from(value)
export const blob = (...values: number[]): Uint8Array => Uint8Array.from(values)
/** Twelve-character lease tags, as the scheduler makes them. */
export const tag = (c: string): string => c.repeat(12)
/** Indexes of leases, sorted: leases due or issued at the same instant come in no set order. */
export const indexes = (leases: ReadonlyArray<{ index: number }>): number[] => leases.map(l => l.index).sort((a, b) => a - b)

export function newJob (id: string, over: Partial<NewJob> = {}): NewJob {
  return {
    id, task: 'sum', params: blob(1, 2), chunks: 10, acc: blob(0), createdAt: 1_000,
    replication: 1, quorum: 1, maxAttempts: 5, chunkTimeoutMs: null, priority: 1, ...over
  }
}

export function summaryOf (seq: number, job: NewJob): JobSummary {
  return {
    seq, id: job.id, task: job.task, chunks: job.chunks, done: 0, failures: 0, status: 'queued', error: null, createdAt: job.createdAt,
    finishedAt: null, replication: job.replication, quorum: job.quorum, maxAttempts: job.maxAttempts,
    chunkTimeoutMs: job.chunkTimeoutMs, priority: job.priority
  }
}

/** A copy as the store keeps it, with byte results and checkpoints as arrays. */
export function plain (copy: CopyRow): Omit<CopyRow, 'result' | 'checkpoint'> & { result: number[] | null, checkpoint: number[] | null } {
  return { ...copy, result: bytes(copy.result), checkpoint: bytes(copy.checkpoint) }
}

/** Workers' records without when each was last seen: what tests of counting compare (retention's tests check lastSeen). */
export const counts = <T extends { lastSeen: number }>(records: T[]): Array<Omit<T, 'lastSeen'>> => records.map(({ lastSeen: _, ...rest }) => rest)
