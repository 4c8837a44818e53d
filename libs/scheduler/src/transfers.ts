/**
 * Handoffs: a worker that must step back hands its leases to an idle peer, which presents the
 * giver's signed transfers here. Signatures are checked before (by the accumulation point, which
 * knows peers' keys); this checks everything else against the store, since either peer may lie
 * or replay: the sender is the giver or the taker, the giver holds the lease at the epoch it
 * signed, and the taker may hold it under the rule that issues copies. A move raises the epoch,
 * so one signed transfer moves a lease once.
 */
import type { LeaseCheckpoint } from '@cycleshare/protocol'
import { keepCheckpoints } from './checkpoints.js'
import type { SchedulerContext } from './context.js'
import { parseLeaseId, tagOf, type LeaseRef } from './lease-ids.js'
import type { LeaseTransfer, TransferResult } from './types.js'

type TransfersContext = Pick<SchedulerContext, 'store' | 'options' | 'active' | 'hold' | 'jobStats' | 'exclusion'>

/** A transfer's outcome: refused (why), or moved to this epoch, by this call (`lease`) or before it. */
type Outcome = string | { epoch: number, lease?: LeaseRef }

export class Transfers {
  constructor (private readonly ctx: TransfersContext) {}

  /**
   * Applies the transfers `sender` presents, in order, inside the write. Of the checkpoints sent
   * along, the valid ones (checked as a renewal's) of the leases moved by this call are kept for
   * their new holder; the others are dropped. A transfer applied before is answered again,
   * keeping nothing: the taker may have checkpointed further since.
   */
  transfer (sender: string, transfers: readonly LeaseTransfer[], checkpoints: readonly LeaseCheckpoint[], now: number): TransferResult {
    const moved: TransferResult['moved'] = []
    const refused: TransferResult['refused'] = []
    /** Leases this call moved, by taker, then by id. */
    const taken = new Map<string, Map<string, LeaseRef>>()
    for (const transfer of transfers) {
      const leaseId: unknown = (transfer as Partial<LeaseTransfer> | null)?.leaseId
      if (typeof leaseId !== 'string') {
        refused.push({ leaseId: String(leaseId), reason: 'malformed transfer' })
        continue
      }
      const outcome = this.move(sender, transfer, now)
      if (typeof outcome === 'string') {
        refused.push({ leaseId, reason: outcome })
        continue
      }
      moved.push({ leaseId, epoch: outcome.epoch })
      if (outcome.lease === undefined) continue
      let leases = taken.get(transfer.to)
      if (leases === undefined) taken.set(transfer.to, leases = new Map())
      leases.set(leaseId, outcome.lease)
    }
    for (const [taker, leases] of taken) {
      const theirs = checkpoints.filter(c => leases.has(String((c as Partial<LeaseCheckpoint> | null)?.leaseId)))
      if (theirs.length > 0) keepCheckpoints(this.ctx, taker, theirs, leases)
    }
    return { moved, refused }
  }

  private move (sender: string, { leaseId, epoch, from, to }: LeaseTransfer, now: number): Outcome {
    const { store } = this.ctx
    if (!isWorker(from) || !isWorker(to) || !Number.isSafeInteger(epoch) || epoch < 1) return 'malformed transfer'
    if (sender !== from && sender !== to) return 'only the giver or the taker may present a transfer'
    if (from === to) return 'the giver and the taker are the same worker'
    const lease = parseLeaseId(leaseId)
    const ballot = lease === undefined ? undefined : store.ballot(lease.jobSeq, lease.index)
    // Issued only if the chunk's row holds its tag: forged or garbled ids end here.
    if (lease === undefined || ballot === undefined || lease.attempt > ballot.chunk.attempt || tagOf(ballot.chunk.tags, lease.attempt) !== lease.tag) {
      return 'unknown lease'
    }
    const job = this.ctx.active.get(lease.jobSeq)
    if (job === undefined) return `job ${store.jobStatus(lease.jobSeq) ?? 'gone'}`
    const copy = ballot.copies.find(c => c.attempt === lease.attempt)
    // Applied already: the giver and the taker may both present the same transfer.
    if (copy?.state === 'live' && copy.worker === to && copy.epoch === epoch + 1 && copy.deadline > now) return { epoch: copy.epoch }
    // Expired, released, answered, or its chunk decided.
    if (copy === undefined || copy.state !== 'live' || copy.deadline <= now) return 'the lease is no longer live'
    if (copy.worker !== from || copy.epoch !== epoch) return `not held by ${from} at epoch ${epoch}`
    if (this.ctx.exclusion(to) !== undefined) return 'the taker is excluded'
    // As for issuing a copy: a chunk's copies run on different workers, and a worker answers it once.
    for (const other of ballot.copies) {
      if (other.worker !== to) continue
      if (other.state === 'live') return 'the taker holds another copy of this chunk'
      if (other.state === 'ok' || other.state === 'failed') return 'the taker has answered this chunk'
    }
    if (!store.moveLease(lease, from, epoch, to, now, now + this.ctx.options.leaseTtlMs)) return 'the lease is no longer live'
    this.ctx.hold(from, -1)
    this.ctx.hold(to, 1)
    this.ctx.jobStats(job.seq).transfers++
    return { epoch: epoch + 1, lease }
  }
}

function isWorker (value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}
