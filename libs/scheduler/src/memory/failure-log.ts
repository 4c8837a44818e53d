import type { FailureRecord, FailureRow } from '../store.js'
import type { Data } from './records.js'

/** Logs a failed result once per copy, and counts it on its job (`SchedulerStore.logFailure`). */
export function logFailure (data: Data, failure: FailureRecord): void {
  if (data.failures.some(f => f.jobSeq === failure.jobSeq && f.index === failure.index && f.attempt === failure.attempt)) return
  data.failures.push({ ...failure })
  const job = data.jobs.get(failure.jobSeq)
  if (job !== undefined) job.failures++
}

/** Logged failures, newest first, of one job or of all (`SchedulerStore.failures`). */
export function readFailures (data: Data, { jobSeq, limit }: { jobSeq?: number, limit: number }): FailureRow[] {
  const rows: FailureRow[] = []
  const newestFirst = [...data.failures].sort((a, b) => b.at - a.at || b.jobSeq - a.jobSeq || b.index - a.index || b.attempt - a.attempt)
  for (const f of newestFirst) {
    if (rows.length === limit) break
    if (jobSeq === undefined || f.jobSeq === jobSeq) rows.push({ ...f, jobId: data.jobs.get(f.jobSeq)?.id ?? '' })
  }
  return rows
}
