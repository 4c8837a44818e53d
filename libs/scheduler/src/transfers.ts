/**
 * Handoffs: a worker that must step back hands its leases to an idle peer, which presents the
 * giver's signed transfers here. Signatures are checked before (by the accumulation point, which
 * knows peers' keys); this checks everything else against the store, since either peer may lie
 * or replay: the sender is the giver or the taker, the giver holds the lease at the epoch it
 * signed, and the taker may hold it under the rule that issues copies. A move raises the epoch,
 * so one signed transfer moves a lease once.
 */
import type { Lease, LeaseCheckpoint } from '@cycleshare/protocol'
import { keepCheckpoints } from './checkpoints.js'
import { decode } from './codec.js'
import type { ActiveJob, SchedulerContext } from './context.js'
import { describeError } from './errors.js'
import { parseLeaseId, tagOf, type LeaseRef } from './lease-ids.js'
import { leaseMessage } from './lease-message.js'
import type { LeaseTransfer, TransferResult } from './types.js'

type TransfersContext = Pick<SchedulerContext, 'store' | 'options' | 'active' | 'hold' | 'trace' | 'stats' | 'jobStats' | 'exclusion'>

/** A transfer's outcome: refused (why), or the lease held by its taker at `epoch`, moved by this call (`now`) or before it. */
type Outcome = string | { job: ActiveJob, ref: LeaseRef, input: unknown, epoch: number, now: boolean }

export class Transfers {
  constructor (private readonly ctx: TransfersContext) {}

  /**
   * Applies the transfers `sender` presents, in order, inside the write. Of the checkpoints sent
   * along, the valid ones (checked as a renewal's) of the leases moved by this call are kept for
   * their new holder; the others are dropped. A transfer applied before is answered again,
   * keeping nothing: the taker may have checkpointed further since. Each moved lease is answered
   * whole, as its taker must run it: the job's own input, the raised epoch, and the checkpoint the
   * copy now goes on from as `resume`, so a giver's description of it is never what runs.
   */
  transfer (sender: string, transfers: readonly LeaseTransfer[], checkpoints: readonly LeaseCheckpoint[], now: number): TransferResult {
    const refused: TransferResult['refused'] = []
    const outcomes: Array<Exclude<Outcome, string>> = []
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
      outcomes.push(outcome)
      if (!outcome.now) continue
      let leases = taken.get(transfer.to)
      if (leases === undefined) taken.set(transfer.to, leases = new Map())
      leases.set(leaseId, outcome.ref)
    }
    for (const [taker, leases] of taken) {
      const theirs = checkpoints.filter(c => leases.has(String((c as Partial<LeaseCheckpoint> | null)?.leaseId)))
      if (theirs.length > 0) keepCheckpoints(this.ctx, taker, theirs, leases)
    }
    return { moved: outcomes.map(o => this.leaseOf(o)), refused }
  }

  private move (sender: string, { leaseId, epoch, from, to }: LeaseTransfer, now: number): Outcome {
    const { store } = this.ctx
    if (!isWorker(from) || !isWorker(to) || !Number.isSafeInteger(epoch) || epoch < 1) return 'malformed transfer'
    if (sender !== from && sender !== to) return 'only the giver or the taker may present a transfer'
    if (from === to) return 'the giver and the taker are the same worker'
    const ref = parseLeaseId(leaseId)
    const ballot = ref === undefined ? undefined : store.ballot(ref.jobSeq, ref.index)
    // Issued only if the chunk's row holds its tag: forged or garbled ids end here.
    if (ref === undefined || ballot === undefined || ref.attempt > ballot.chunk.attempt || tagOf(ballot.chunk.tags, ref.attempt) !== ref.tag) {
      return 'unknown lease'
    }
    const job = this.ctx.active.get(ref.jobSeq)
    if (job === undefined) return `job ${store.jobStatus(ref.jobSeq) ?? 'gone'}`
    const copy = ballot.copies.find(c => c.attempt === ref.attempt)
    // Applied already: the giver and the taker may both present the same transfer.
    const applied = copy?.state === 'live' && copy.worker === to && copy.epoch === epoch + 1 && copy.deadline > now
    if (!applied) {
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
    }
    let input: unknown
    try {
      // The chunk was split this way when it was issued: this cannot fail unless the task changed.
      input = job.task.chunk(job.params, job.chunks, ref.index)
    } catch (err) {
      return `splitting chunk ${ref.index} failed: ${describeError(err)}`
    }
    if (applied) return { job, ref, input, epoch: epoch + 1, now: false }
    if (!store.moveLease(ref, from, epoch, to, now, now + this.ctx.options.leaseTtlMs)) return 'the lease is no longer live'
    this.ctx.hold(from, job.seq, -1)
    this.ctx.hold(to, job.seq, 1)
    this.ctx.trace('moved', job, ref, from)
    this.ctx.trace('leased', job, ref, to)
    this.ctx.jobStats(job.seq).transfers++
    this.ctx.stats.count('transferred')
    return { job, ref, input, epoch: epoch + 1, now: true }
  }

  /** The moved lease as its taker runs it, going on from the checkpoint its copy holds now. */
  private leaseOf ({ job, ref, input, epoch }: Exclude<Outcome, string>): Lease {
    const lease = leaseMessage(job, ref, input, epoch, this.ctx.options.leaseTtlMs)
    const checkpoint = this.ctx.store.ballot(ref.jobSeq, ref.index)?.copies.find(c => c.attempt === ref.attempt)?.checkpoint
    if (checkpoint != null) lease.resume = decode(checkpoint)
    return lease
  }
}

function isWorker (value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}
