/** What the memory store keeps, and the small conversions between its records and the store's rows. */
import type { FailureRecord } from '../store.js'
import type { AttemptRef, ChunkRow, CopyRow, JobSummary, LiveLease } from '../store.js'

export interface JobRecord extends JobSummary {
  params: Uint8Array
  acc: Uint8Array | null
  result: Uint8Array | null
  resultType: string | null
  nextIndex: number
}

export interface WorkerRecord {
  /** Single-copy results accepted. */
  accepted: number
  valid: number
  invalid: number
  failed: number
  creditMs: number
  excluded: string | null
  lastSeen: number
}

/** A copy with the chunk it belongs to. */
export type StoredCopy = CopyRow & { jobSeq: number, index: number }

export interface Data {
  lastSeq: number
  jobs: Map<number, JobRecord>
  /** Chunks by job seq, then by index. */
  chunks: Map<number, Map<number, ChunkRow>>
  /** Copies by `seq.index`, in attempt order. */
  copies: Map<string, StoredCopy[]>
  workers: Map<string, WorkerRecord>
  /** The failure log, oldest first. */
  failures: FailureRecord[]
}

export const key = (jobSeq: number, index: number): string => `${jobSeq}.${index}`
export const leaseOf = (c: StoredCopy): LiveLease => ({ jobSeq: c.jobSeq, index: c.index, attempt: c.attempt, tag: c.tag, worker: c.worker })
export const byChunk = (a: AttemptRef, b: AttemptRef): number => a.jobSeq - b.jobSeq || a.index - b.index || a.attempt - b.attempt
export const copyRow = ({ jobSeq, index, ...row }: StoredCopy): CopyRow => row

export function summary (job: JobRecord): JobSummary {
  const { seq, id, task, chunks, done, failures, status, error, createdAt, finishedAt, replication, quorum, maxAttempts, chunkTimeoutMs, priority } = job
  return { seq, id, task, chunks, done, failures, status, error, createdAt, finishedAt, replication, quorum, maxAttempts, chunkTimeoutMs, priority }
}
