import type { Scheduler } from './scheduler-api.js'
import type { JobView } from './types.js'

/**
 * What `DELETE /api/jobs/:id` does, on a coordinator and a group member alike: a queued or
 * running job is cancelled (and kept, its view returned); a finished one is removed with its
 * chunks, result and failures (undefined). Throws `JobNotFoundError`.
 */
export function deleteJob (scheduler: Scheduler, id: string): JobView | undefined {
  const job = scheduler.get(id)
  if (job.status === 'queued' || job.status === 'running') return scheduler.cancel(job.id)
  scheduler.remove(job.id)
  return undefined
}
