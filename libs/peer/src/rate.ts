interface Bucket {
  tokens: number
  at: number
}

/** Peers tracked before the ones whose buckets have refilled are forgotten. */
const SWEEP_AT = 1024

/**
 * A token bucket per peer: `perSecond` tokens a second, holding at most one second's worth (at
 * least one). A peer whose bucket is full is the same as one never seen, so such buckets are
 * dropped once many peers are tracked, which keeps the map to the peers sending right now.
 */
export class MessageRate {
  private readonly buckets = new Map<string, Bucket>()
  private readonly capacity: number

  constructor (private readonly perSecond: number, private readonly now: () => number = () => performance.now()) {
    this.capacity = Math.max(perSecond, 1)
  }

  /** Takes one token for `peer`; false when it has none left. */
  take (peer: string): boolean {
    const now = this.now()
    let bucket = this.buckets.get(peer)
    if (bucket === undefined) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now)
      bucket = { tokens: this.capacity, at: now }
      this.buckets.set(peer, bucket)
    } else {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perSecond / 1000)
      bucket.at = now
    }
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  private sweep (now: number): void {
    for (const [peer, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perSecond / 1000 >= this.capacity) this.buckets.delete(peer)
    }
  }
}
