import type { LeaseCheckpoint } from '@cycleshare/protocol'
import { keepCheckpoints } from './checkpoints.js'
import type { SchedulerContext } from './context.js'
import { parseLeaseId, type LeaseRef } from './lease-ids.js'
import type { Ballot } from './store.js'
import type { RenewResult } from './types.js'

type ExpiryContext = Pick<SchedulerContext, 'store' | 'options' | 'active' | 'hold' | 'trace' | 'stats' | 'fail' | 'evaluate'>

/**
 * Lease deadlines: renewals by their holders (and the checkpoints they carry), expiry of the
 * leases nobody renewed (reissued), of the ones renewed past their chunk timeout (a failed
 * result), and of revoked ones no late result came for (forgotten); and a fresh deadline for
 * every live lease after a restart.
 */
export class Expiry {
  constructor (private readonly ctx: ExpiryContext) {}

  /** Gives every live lease a fresh deadline (nobody could renew while we were down), inside a write. */
  restart (now: number): void {
    this.ctx.store.extendLive(now + this.ctx.options.leaseTtlMs)
  }

  /**
   * Extends the leases `worker` holds that are still live at `now`, inside a write; the others are
   * lost. Keeps the valid checkpoints of the leases it renewed; refuses the rest.
   */
  renew (worker: string, leaseIds: readonly string[], checkpoints: readonly LeaseCheckpoint[], now: number): RenewResult {
    const ttlMs = this.ctx.options.leaseTtlMs
    const leases: LeaseRef[] = []
    const parsed: Array<LeaseRef | undefined> = leaseIds.map(id => parseLeaseId(id))
    for (const lease of parsed) if (lease !== undefined) leases.push(lease)
    const ok = this.ctx.store.renew(worker, leases, now, now + ttlMs)
    const renewed: string[] = []
    const lost: string[] = []
    const held = new Map<string, LeaseRef>()
    let next = 0
    for (let i = 0; i < leaseIds.length; i++) {
      const renewedNow = parsed[i] !== undefined && ok[next++]
      ;(renewedNow ? renewed : lost).push(leaseIds[i])
      if (renewedNow) held.set(leaseIds[i], parsed[i] as LeaseRef)
    }
    const refused = checkpoints.length === 0 ? [] : keepCheckpoints(this.ctx, worker, checkpoints, held)
    return { renewed, lost, ttlMs, refused }
  }

  /** Handles the leases due at `now`, inside a write; returns how many live ones expired. */
  expire (now: number): number {
    const { store } = this.ctx
    let expired = 0
    for (const due of store.dueLeases(now)) {
      if (due.state === 'revoked') {
        // Its chunk was decided while it ran, and no late result came: nothing left to compare.
        store.forgetRevoked(due)
        continue
      }
      expired++
      const job = this.ctx.active.get(due.jobSeq)
      // Its job ended earlier in this pass (a chunk failed it): the end revoked this lease already.
      if (job === undefined) continue
      this.ctx.hold(due.worker, due.jobSeq, -1)
      if (due.overrunAt !== null && due.overrunAt <= now) {
        // Renewed past its chunk timeout: the worker did not abort it as it should have.
        const reason = `TaskTimeoutError: chunk ran past its timeout of ${job.chunkTimeoutMs ?? 0} ms`
        const { chunk } = store.ballot(due.jobSeq, due.index) as Ballot
        this.ctx.fail(job, due, due.worker, reason, chunk)
      } else {
        store.loseLease(due)
        this.ctx.trace('lost', job, due, due.worker)
        this.ctx.stats.count('reissued')
        this.ctx.evaluate(job, due.index, store.ballot(due.jobSeq, due.index) as Ballot)
      }
    }
    return expired
  }
}
