import { InboundBudgetExceededError } from './errors.js'
import type { InboundUsage } from './types.js'

interface PeerAccount {
  bytes: number
  streams: number
}

const MiB = 1024 * 1024
/** Bytes held across all peers at once that make a burst: what honest reports rarely reach together. */
export const BURST_BYTES = 32 * MiB
/** Held bytes under which a burst is over. */
export const QUIET_BYTES = 1 * MiB

/**
 * The bytes each peer's requests hold on this node's served streams, against
 * `maxInboundBytesPerPeer`. A served stream takes a {@link StreamCharge}; everything it charged
 * comes back when it ends, however it ends.
 */
export class InboundBudget {
  private readonly accounts = new Map<string, PeerAccount>()
  /** Bytes held across all peers. */
  private total = 0
  private inBurst = false

  /**
   * `onBurstOver` is called each time the bytes held across all peers fall under QUIET_BYTES
   * after having reached BURST_BYTES: the moment what a burst left behind can be reclaimed.
   */
  constructor (readonly maxBytesPerPeer: number, private readonly onBurstOver: () => void = () => {}) {}

  /** @internal Called by a StreamCharge for every change of what it holds. */
  changed (account: PeerAccount, bytes: number): void {
    account.bytes += bytes
    this.total += bytes
    if (this.total >= BURST_BYTES) this.inBurst = true
    else if (this.inBurst && this.total < QUIET_BYTES) {
      this.inBurst = false
      this.onBurstOver()
    }
  }

  /** Opens the account of one served stream from `peer`. */
  open (peer: string): StreamCharge {
    let account = this.accounts.get(peer)
    if (account === undefined) {
      account = { bytes: 0, streams: 0 }
      this.accounts.set(peer, account)
    }
    account.streams++
    return new StreamCharge(this, peer, account)
  }

  /** @internal Called by a StreamCharge when its stream ends. */
  closed (peer: string, account: PeerAccount): void {
    account.streams--
    if (account.streams === 0 && this.accounts.get(peer) === account) this.accounts.delete(peer)
  }

  usage (): InboundUsage {
    let bytes = 0
    let streams = 0
    const peers: InboundUsage['peers'] = []
    for (const [peerId, account] of this.accounts) {
      bytes += account.bytes
      streams += account.streams
      peers.push({ peerId, bytes: account.bytes, streams: account.streams })
    }
    return { bytes, streams, peers }
  }
}

/** What one served stream holds for its peer. */
export class StreamCharge {
  private held = 0
  private ended = false

  constructor (private readonly budget: InboundBudget, private readonly peer: string, private readonly account: PeerAccount) {}

  /**
   * Counts `bytes` that arrived. Returns the error to reset the stream with when they would take
   * the peer over its budget; they are then not counted (the stream is about to drop them), and
   * neither is anything after.
   */
  arrived (bytes: number): InboundBudgetExceededError | undefined {
    if (this.ended) return undefined
    const max = this.budget.maxBytesPerPeer
    if (this.account.bytes + bytes > max) {
      const err = new InboundBudgetExceededError(
        `${this.peer} would hold ${this.account.bytes + bytes} bytes of unanswered requests, over maxInboundBytesPerPeer (${max})`)
      this.end()
      return err
    }
    this.held += bytes
    this.budget.changed(this.account, bytes)
    return undefined
  }

  /** Gives back the bytes of a request that has been answered. */
  answered (bytes: number): void {
    if (this.ended) return
    this.held -= bytes
    this.budget.changed(this.account, -bytes)
  }

  /** Gives back everything; the stream ended. Idempotent. */
  end (): void {
    if (this.ended) return
    this.ended = true
    this.budget.changed(this.account, -this.held)
    this.held = 0
    this.budget.closed(this.peer, this.account)
  }
}
