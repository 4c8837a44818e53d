import type { JobStatus } from '../types.js'
import { key, type Data } from './records.js'

/** How many jobs are in each status (`SchedulerStore.jobCounts`). */
export function countByStatus (data: Data): Partial<Record<JobStatus, number>> {
  const counts: Partial<Record<JobStatus, number>> = {}
  for (const job of data.jobs.values()) counts[job.status] = (counts[job.status] ?? 0) + 1
  return counts
}

/** A job's open chunks with at least one ok copy: waiting for more results to reach their quorum. */
export function verifyingChunks (data: Data, jobSeq: number): number {
  let verifying = 0
  for (const index of data.chunks.get(jobSeq)?.keys() ?? []) {
    if (data.copies.get(key(jobSeq, index))?.some(c => c.state === 'ok') === true) verifying++
  }
  return verifying
}
