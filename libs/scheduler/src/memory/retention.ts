import type { Data } from './records.js'

/** Finished jobs that ended before `at`, the earliest ended first (`SchedulerStore.finishedBefore`). */
export function finishedBefore (data: Data, at: number, limit: number): Array<{ seq: number, id: string }> {
  return [...data.jobs.values()]
    .filter(job => job.finishedAt !== null && job.finishedAt < at)
    .sort((a, b) => (a.finishedAt as number) - (b.finishedAt as number) || a.seq - b.seq)
    .slice(0, limit)
    .map(({ seq, id }) => ({ seq, id }))
}

/** Deletes a job with its chunks, copies and failure log (`SchedulerStore.removeJob`); `lastSeq` never goes back. */
export function removeJob (data: Data, seq: number): void {
  data.jobs.delete(seq)
  for (const index of data.chunks.get(seq)?.keys() ?? []) data.copies.delete(`${seq}.${index}`)
  data.chunks.delete(seq)
  data.failures = data.failures.filter(f => f.jobSeq !== seq)
}
