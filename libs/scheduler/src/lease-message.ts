import type { Lease } from '@cycleshare/protocol'
import type { ActiveJob } from './context.js'
import { formatLeaseId, type LeaseRef } from './lease-ids.js'

/**
 * The lease a worker is sent for copy `ref` of `job`'s chunk: when it is issued (epoch 1) and when
 * it moves to a taker (the raised epoch), so that both run exactly what the job asks for.
 */
export function leaseMessage (job: ActiveJob, ref: LeaseRef, input: unknown, epoch: number, ttlMs: number): Lease {
  const lease: Lease = {
    leaseId: formatLeaseId(ref),
    jobId: job.id,
    index: ref.index,
    attempt: ref.attempt,
    epoch,
    task: job.task.name,
    input,
    ttlMs
  }
  if (job.chunkTimeoutMs !== null) lease.timeoutMs = job.chunkTimeoutMs
  return lease
}
