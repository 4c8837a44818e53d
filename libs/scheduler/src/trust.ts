import type { SchedulerContext } from './context.js'
import { formatLeaseId } from './lease-ids.js'
import type { Ballot, TrustDelta } from './store.js'

type TrustContext = Pick<SchedulerContext, 'store' | 'options' | 'active' | 'emit' | 'hold' | 'evaluate' | 'now'>

/**
 * Workers' records and what they earn: counts of accepted, valid, invalid and failed results;
 * exclusion once a worker has been outvoted too often; and adaptive replication's choice of one
 * or two copies for a chunk first leased to a worker.
 */
export class Trust {
  /** Excluded workers and why: every pull and report checks this. */
  private readonly excluded = new Map<string, string>()
  /** Counts of the write in progress that cannot exclude, stored at its end. */
  private readonly deltas = new Map<string, TrustDelta>()

  constructor (private readonly ctx: TrustContext, private readonly random: () => number) {}

  exclusion (worker: string): string | undefined {
    return this.excluded.get(worker)
  }

  /**
   * Adds to a worker's record; excludes it once it has been outvoted too often. Counts that cannot
   * exclude wait for the end of the write (`flush`), one statement per worker rather than per result.
   */
  count (worker: string, delta: TrustDelta): void {
    if ((delta.invalid ?? 0) === 0) {
      const sum = this.deltas.get(worker) ?? {}
      sum.accepted = (sum.accepted ?? 0) + (delta.accepted ?? 0)
      sum.valid = (sum.valid ?? 0) + (delta.valid ?? 0)
      sum.failed = (sum.failed ?? 0) + (delta.failed ?? 0)
      sum.creditMs = (sum.creditMs ?? 0) + (delta.creditMs ?? 0)
      sum.at = this.ctx.now()
      this.deltas.set(worker, sum)
      return
    }
    const { store } = this.ctx
    const trust = store.countWorker(worker, { ...delta, at: this.ctx.now() })
    if (trust.excluded !== null || trust.invalid < this.ctx.options.excludeAfterInvalid) return
    const reason = `outvoted ${trust.invalid} times`
    store.exclude(worker, reason)
    this.excluded.set(worker, reason)
    // Its leases still out will never be accepted: reissue them now rather than at their deadline.
    const ids: string[] = []
    for (const lease of store.leasesHeldBy(worker)) {
      const job = this.ctx.active.get(lease.jobSeq)
      if (job === undefined || !store.loseLease(lease)) continue
      this.ctx.hold(worker, lease.jobSeq, -1)
      ids.push(formatLeaseId(lease))
      this.ctx.evaluate(job, lease.index, store.ballot(lease.jobSeq, lease.index) as Ballot)
    }
    // Its states are its word too: no copy goes on from them (the ones it lost earlier included).
    store.dropCheckpoints(worker)
    if (ids.length > 0) this.ctx.emit('revoke', worker, ids)
  }

  /** Stores the counts of the write in progress; the write calls this last. */
  flush (): void {
    for (const [worker, delta] of this.deltas) this.ctx.store.countWorker(worker, delta)
    this.deltas.clear()
  }

  /** Drops the counts of a write that rolled back. */
  discard (): void {
    this.deltas.clear()
  }

  /** Rebuilds the exclusions from the store. */
  load (): void {
    this.excluded.clear()
    for (const { worker, reason } of this.ctx.store.exclusions()) this.excluded.set(worker, reason)
  }

  /**
   * BOINC's adaptive replication: how many agreeing copies a new chunk first leased to `worker`
   * needs. `trust` is read once per lease batch.
   */
  adaptiveCopies (trust: { valid: number, invalid: number }): number {
    const { trustAfter, minSpotCheck } = this.ctx.options
    if (trust.invalid > 0 || trust.valid < trustAfter) return 2
    const spotCheck = Math.max(minSpotCheck, trustAfter / trust.valid)
    return this.random() < spotCheck ? 2 : 1
  }
}
