import { taskCapability } from '@cycleshare/tasks'
import type { ActiveJob, SchedulerContext } from './context.js'

export type StragglersContext = Pick<SchedulerContext, 'store' | 'options' | 'active'>

/** A chunk to back up, and its job. */
export interface Straggler {
  job: ActiveJob
  index: number
}

/**
 * In-flight chunks of replication-1 jobs that have run much longer than their job's median
 * (`max(backupMinMs, backupFactor × median)`), slowest first, held by another worker, not backed
 * up yet, and never answered by `worker`: it is idle, so a second copy may finish first. At most
 * `limit`, of the tasks in `only` if given.
 */
export function findStragglers (ctx: StragglersContext, worker: string, limit: number, only: Set<string> | undefined, now: number): Straggler[] {
  const found: Straggler[] = []
  const { backupMinMs, backupFactor } = ctx.options
  // Only single-copy jobs get backups: with none running (the usual idle pull) skip the scan of
  // every live lease.
  let singleCopyJobs = false
  for (const job of ctx.active.values()) if (job.replication === 1) { singleCopyJobs = true; break }
  if (!singleCopyJobs) return found
  // Only leases at least backupMinMs old can be stragglers: the store reads no younger ones (with
  // many workers pulling, reading every live lease on each pull was a third of the coordinator's work).
  for (const lease of ctx.store.liveLeases(now - backupMinMs)) {
    const job = ctx.active.get(lease.jobSeq)
    if (job === undefined || job.replication !== 1 || lease.worker === worker) continue
    if (only !== undefined && !only.has(taskCapability(job.task.name))) continue
    if (now - lease.leasedAt <= Math.max(backupMinMs, backupFactor * job.durations.median())) continue
    const ballot = ctx.store.ballot(lease.jobSeq, lease.index)
    if (ballot === undefined) continue
    const { chunk, copies } = ballot
    if (chunk.state !== 'open' || chunk.backup === 1 || chunk.needed > 0) continue
    if (copies.filter(c => c.state === 'live').length !== 1) continue
    if (copies.some(c => c.worker === worker && c.state !== 'lost')) continue
    found.push({ job, index: lease.index })
    if (found.length === limit) break
  }
  return found
}
