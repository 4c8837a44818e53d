/**
 * Per-peer budgets of the accumulation point, in one place. A peer may pull only so often (a
 * token bucket), and a peer that refuses every lease of several assigns in a row has its pulls set
 * aside for a while (doubling each time). A pull over budget is dropped before any scheduling work
 * and costs the peer's own budget alone; a peer that keeps pulling over budget is disconnected.
 * Every budget is kept per peer id, so one peer's behaviour never slows another's.
 */
import type { AccumulationPointOptions } from './options.js'

export type BudgetOptions = Pick<AccumulationPointOptions,
  'pullsPerSecond' | 'pullBurst' | 'refusalsBeforeBackoff' | 'refusalBackoffMs' | 'maxRefusalBackoffMs' | 'overBudgetPullsBeforeDisconnect'>

/** What to do with a pull: serve it, drop it, or drop it and disconnect its peer. */
export type PullVerdict = 'serve' | 'drop' | 'disconnect'

/** How quickly a peer's count of pulls over budget fades, so that only a sustained flood adds up. */
const OVER_BUDGET_FADE_MS = 10_000
/**
 * Streams reset for holding more unanswered request bytes than the peer's budget (libs/peer's
 * `maxInboundBytesPerPeer`), fading over this long, after which the peer is disconnected: an
 * honest worker has one report in flight at a time and never comes near it.
 */
const BYTE_RESETS_FADE_MS = 60_000
const BYTE_RESETS_BEFORE_DISCONNECT = 3

interface PeerBudget {
  tokens: number
  refilledAt: number
  /** Pulls over budget, fading with OVER_BUDGET_FADE_MS. */
  overBudget: number
  overBudgetAt: number
  /** Assigns in a row with nothing accepted. */
  refusals: number
  /** Back-offs in a row, which double the next one. */
  backoffs: number
  backedOffUntil: number
  /** Streams reset for its byte budget, fading with BYTE_RESETS_FADE_MS. */
  byteResets: number
  byteResetsAt: number
  /** Why the peer is held back, while it is. */
  reason?: string
}

export class PeerBudgets {
  private readonly peers = new Map<string, PeerBudget>()

  constructor (
    private readonly options: BudgetOptions,
    private readonly clock: () => number,
    /** A peer started or stopped being held back: its view changed. */
    private readonly changed: (peerId: string, reason: string | undefined) => void
  ) {}

  /** Whether a pull from `peerId` is served; a pull that is not costs no more than this call. */
  pull (peerId: string): PullVerdict {
    const now = this.clock()
    const b = this.budget(peerId, now)
    if (now < b.backedOffUntil) return 'drop'
    const { pullsPerSecond, pullBurst, overBudgetPullsBeforeDisconnect } = this.options
    b.tokens = Math.min(pullBurst, b.tokens + (now - b.refilledAt) * pullsPerSecond / 1000)
    b.refilledAt = now
    if (b.tokens < 1) {
      b.overBudget = b.overBudget * Math.exp(-(now - b.overBudgetAt) / OVER_BUDGET_FADE_MS) + 1
      b.overBudgetAt = now
      this.notify(peerId, b, now)
      return b.overBudget >= overBudgetPullsBeforeDisconnect ? 'disconnect' : 'drop'
    }
    b.tokens -= 1
    this.notify(peerId, b, now)
    return 'serve'
  }

  /**
   * An assign to `peerId` settled: `accepted` of its leases taken (0 when it failed). Returns the
   * back-off it earned, in milliseconds, if this made one refusal too many in a row.
   */
  assigned (peerId: string, accepted: number): number | undefined {
    const now = this.clock()
    const b = this.budget(peerId, now)
    if (accepted > 0) {
      b.refusals = 0
      b.backoffs = 0
      return undefined
    }
    if (++b.refusals < this.options.refusalsBeforeBackoff) return undefined
    const backoffMs = Math.min(this.options.maxRefusalBackoffMs, this.options.refusalBackoffMs * 2 ** b.backoffs)
    b.refusals = 0
    b.backoffs++
    b.backedOffUntil = now + backoffMs
    this.notify(peerId, b, now)
    return backoffMs
  }

  /**
   * One of the peer's streams was reset for holding too many unanswered request bytes. True when
   * it has happened too often of late: the peer is to be disconnected.
   */
  bytesOverBudget (peerId: string): boolean {
    const now = this.clock()
    const b = this.budget(peerId, now)
    b.byteResets = b.byteResets * Math.exp(-(now - b.byteResetsAt) / BYTE_RESETS_FADE_MS) + 1
    b.byteResetsAt = now
    this.notify(peerId, b, now)
    return b.byteResets >= BYTE_RESETS_BEFORE_DISCONNECT
  }

  /** Why `peerId` is held back now, if it is. */
  restriction (peerId: string): string | undefined {
    const b = this.peers.get(peerId)
    return b === undefined ? undefined : this.reasonOf(b, this.clock())
  }

  /** The peer is gone: its budget goes with it, unless a back-off still runs (reconnecting must not wipe it). */
  forget (peerId: string): void {
    const b = this.peers.get(peerId)
    if (b !== undefined && this.clock() >= b.backedOffUntil) this.peers.delete(peerId)
  }

  private reasonOf (b: PeerBudget, now: number): string | undefined {
    if (now < b.backedOffUntil) return `refused ${this.options.refusalsBeforeBackoff} assigns in a row: pulls set aside until ${new Date(b.backedOffUntil).toISOString()}`
    if (b.overBudget > 0 && now - b.overBudgetAt < 1000) return `pulls over budget (${this.options.pullsPerSecond}/s)`
    if (b.byteResets > 0 && now - b.byteResetsAt < BYTE_RESETS_FADE_MS) return 'sent more unanswered request bytes than its budget'
    return undefined
  }

  private budget (peerId: string, now: number): PeerBudget {
    let b = this.peers.get(peerId)
    if (b === undefined) {
      // A new peer starts with a full bucket.
      b = { tokens: this.options.pullBurst, refilledAt: now, overBudget: 0, overBudgetAt: 0, refusals: 0, backoffs: 0, backedOffUntil: 0, byteResets: 0, byteResetsAt: 0 }
      this.peers.set(peerId, b)
    }
    return b
  }

  /** Tells of a change in why the peer is held back, once per change. */
  private notify (peerId: string, b: PeerBudget, now: number): void {
    const reason = this.reasonOf(b, now)
    if (b.reason === reason) return
    b.reason = reason
    this.changed(peerId, reason)
  }
}
