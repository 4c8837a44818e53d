/**
 * Keeps one accumulation point's leases alive: renews the unfinished ones every third of their
 * lifetime (the accumulation point keeps the deadline; workers' clocks are not its own), and
 * hands back what comes back lost so that it stops running.
 */
import { RENEW_FIRST_MS, RENEW_MIN_MS } from './constants.js'
import type { Logger } from './logger.js'

export interface RenewAnswer {
  /** The lifetime the renewed leases now have. */
  ttlMs: number
  /** Leases we no longer hold (expired and reissued, cancelled, unknown). */
  lost: string[]
}

export interface RenewalsComponents {
  /** The leases to renew now: queued and running. */
  unfinished: () => string[]
  renew: (leaseIds: string[]) => Promise<RenewAnswer>
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
    try {
      const answer = await this.components.renew(ids)
      if (answer.lost.length > 0) this.components.lost(answer.lost)
      this.everyMs = everyThird(answer.ttlMs)
    } catch (err) {
      this.components.log.warn({ err: (err as Error).message }, 'could not renew leases')
    }
  }
}
