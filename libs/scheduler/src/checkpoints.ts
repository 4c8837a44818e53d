/**
 * Checkpoints that outlive their worker: the latest state of a running copy, sent with its
 * renewals and with its release, checked by its job's task (a peer may send anything), and kept
 * on the copy so that the copy issued after it is lost goes on from there (see `issueCopy` in
 * store.ts, and `Leasing`, which puts it in the new lease's `resume`).
 */
import { MAX_CHECKPOINT_BYTES, type LeaseCheckpoint } from '@cycleshare/protocol'
import { encode } from './codec.js'
import type { SchedulerContext } from './context.js'
import { NOT_HELD } from './errors.js'
import type { LeaseRef } from './lease-ids.js'
import type { RenewResult } from './types.js'

type CheckpointsContext = Pick<SchedulerContext, 'store' | 'active'>

/** A checkpoint not kept, and why. */
export type RefusedCheckpoint = RenewResult['refused'][number]

/**
 * Keeps, inside the write and in order (a later one replaces an earlier one of the same lease),
 * the checkpoints of the leases in `held`, by id: the ones `worker` renewed or releases in this
 * write. Returns those it refused, with why.
 */
export function keepCheckpoints (
  ctx: CheckpointsContext, worker: string, checkpoints: readonly LeaseCheckpoint[], held: ReadonlyMap<string, LeaseRef>
): RefusedCheckpoint[] {
  const refused: RefusedCheckpoint[] = []
  for (const checkpoint of checkpoints) {
    const leaseId: unknown = (checkpoint as Partial<LeaseCheckpoint> | null)?.leaseId
    if (typeof leaseId !== 'string') {
      refused.push({ leaseId: String(leaseId), reason: 'malformed checkpoint' })
      continue
    }
    const lease = held.get(leaseId)
    const job = lease === undefined ? undefined : ctx.active.get(lease.jobSeq)
    if (lease === undefined || job === undefined) {
      refused.push({ leaseId, reason: NOT_HELD })
      continue
    }
    const { task } = job
    if (typeof task.parseCheckpoint !== 'function') {
      refused.push({ leaseId, reason: `${task.name} does not checkpoint` })
      continue
    }
    const state = checkpoint.state
    let bytes: Uint8Array
    try {
      // Encoded first: a state too large to keep is refused before the task spends time on it.
      bytes = encode(state)
      if (bytes.byteLength > MAX_CHECKPOINT_BYTES) {
        refused.push({ leaseId, reason: `checkpoint is ${bytes.byteLength} bytes encoded, more than the ${MAX_CHECKPOINT_BYTES} kept` })
        continue
      }
      task.parseCheckpoint(state, task.chunk(job.params, job.chunks, lease.index))
    } catch (err) {
      refused.push({ leaseId, reason: err instanceof Error ? err.message : String(err) })
      continue
    }
    if (!ctx.store.saveCheckpoint(worker, lease, bytes)) refused.push({ leaseId, reason: NOT_HELD })
  }
  return refused
}
