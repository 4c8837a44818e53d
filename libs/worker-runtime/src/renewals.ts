/**
 * Keeps one accumulation point's leases alive: renews the unfinished ones every third of their
 * lifetime (the accumulation point keeps the deadline; workers' clocks are not its own), and
 * hands back what comes back lost so that it stops running. Each renewal carries the checkpoints
 * the renewed leases took since the last one, so that a copy reissued after a lease is lost goes on
 * from there.
 */
import type { LeaseCheckpoint } from '@cycleshare/protocol'
import { RENEW_FIRST_MS, RENEW_MIN_MS } from './constants.js'
import type { Logger } from './logger.js'

export interface RenewAnswer {
  /** The lifetime the renewed leases now have. */
  ttlMs: number
  /** Leases we no longer hold (expired and reissued, cancelled, unknown). */
  lost: string[]
  /** Checkpoints the accumulation point did not keep, with why. */
  refused: Array<{ leaseId: string, reason: string }>
}

export interface RenewalsComponents {
  /** The leases to renew now: queued and running. */
  unfinished: () => string[]
  /** The latest checkpoints of these leases not yet sent. */
  unsentCheckpoints: (leaseIds: string[]) => LeaseCheckpoint[]
  /** These checkpoints reached the accumulation point (kept or refused): not to be sent again. */
  checkpointsSent: (checkpoints: LeaseCheckpoint[]) => void
  renew: (leaseIds: string[], checkpoints: LeaseCheckpoint[]) => Promise<RenewAnswer>
  /** Leases the accumulation point says we no longer hold. */
  lost: (leaseIds: string[]) => void
  log: Logger
}

export interface Renewals {
  start(): void
  stop(): void
  /** A lease came with this lifetime: renew at least every third of it from now on. */
  noteTtl(ttlMs: number): void
  /** The current interval between renewals, in milliseconds. */
  readonly everyMs: number
}

export function createRenewals (components: RenewalsComponents): Renewals {
  return new Renewer(components)
}

const everyThird = (ttlMs: number): number => Math.max(RENEW_MIN_MS, Math.floor(ttlMs / 3))

class Renewer implements Renewals {
  everyMs = RENEW_FIRST_MS
  private timer?: NodeJS.Timeout
  /** When the armed timer fires (performance.now() time). */
  private dueAt = Infinity
  private running = false

  constructor (private readonly components: RenewalsComponents) {}

  start (): void {
    this.running = true
    this.schedule()
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
  }

  noteTtl (ttlMs: number): void {
    this.everyMs = Math.min(this.everyMs, everyThird(ttlMs))
    // A timer armed for a longer interval (the first one, before any lease said its lifetime)
    // would let these leases expire: bring it forward.
    if (this.timer !== undefined && this.dueAt > performance.now() + this.everyMs) {
      clearTimeout(this.timer)
      this.schedule()
    }
  }

  private schedule (): void {
    if (!this.running) return
    this.dueAt = performance.now() + this.everyMs
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.renew().finally(() => { this.schedule() })
    }, this.everyMs)
    this.timer.unref()
  }

  private async renew (): Promise<void> {
    const ids = this.components.unfinished()
    if (ids.length === 0) return
    const checkpoints = this.components.unsentCheckpoints(ids)
    try {
      const answer = await this.components.renew(ids, checkpoints)
      // A refused state would be refused again; a newer one of the same lease may not be.
      this.components.checkpointsSent(checkpoints)
      if (checkpoints.length > 0) this.components.log.debug({ leases: checkpoints.length, refused: answer.refused.length }, 'checkpoints sent')
      for (const r of answer.refused) this.components.log.warn({ leaseId: r.leaseId, reason: r.reason }, 'checkpoint refused')
      if (answer.lost.length > 0) this.components.lost(answer.lost)
      this.everyMs = everyThird(answer.ttlMs)
    } catch (err) {
      this.components.log.warn({ err: (err as Error).message }, 'could not renew leases')
    }
  }
}
