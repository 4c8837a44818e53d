/**
 * The most recent chunk durations of one job (lease to accepted result), to find stragglers: a
 * median ignores the few slow chunks it is meant to catch, where a mean would follow them.
 */
export class Durations {
  private readonly samples: number[] = []
  private next = 0
  /** The median of the samples as they are, until one is added: asked on every pull that finds too little. */
  private cached?: number

  constructor (private readonly size: number) {}

  add (ms: number): void {
    this.cached = undefined
    if (this.samples.length < this.size) this.samples.push(ms)
    else this.samples[this.next] = ms
    this.next = (this.next + 1) % this.size
  }

  /** The median so far, 0 with no samples. */
  median (): number {
    if (this.samples.length === 0) return 0
    if (this.cached !== undefined) return this.cached
    const sorted = [...this.samples].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    this.cached = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    return this.cached
  }
}
