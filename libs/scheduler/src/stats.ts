/**
 * What the scheduler has done since it started, for metrics: counters, and two histograms with
 * fixed buckets (a Prometheus histogram's shape, without its library: the scheduler stays
 * framework-free and the coordinator turns these into its /metrics text).
 */

export interface HistogramSnapshot {
  /** Upper bounds of the buckets, ascending; a last bucket (+Inf) follows them. */
  bounds: readonly number[]
  /** Observations ≤ each bound, cumulative, then the total (the +Inf bucket). */
  cumulative: number[]
  sum: number
  count: number
}

export class Histogram {
  readonly #counts: number[]
  #sum = 0
  #count = 0

  constructor (readonly bounds: readonly number[]) {
    this.#counts = new Array<number>(bounds.length + 1).fill(0)
  }

  observe (value: number): void {
    let i = 0
    while (i < this.bounds.length && value > this.bounds[i]) i++
    this.#counts[i]++
    this.#sum += value
    this.#count++
  }

  snapshot (): HistogramSnapshot {
    let running = 0
    return { bounds: this.bounds, cumulative: this.#counts.map(c => (running += c)), sum: this.#sum, count: this.#count }
  }
}

/** Counts since the scheduler started. */
export interface SchedulerStats {
  /** Chunk copies leased to workers (backups and reissues included). */
  leased: number
  /** Results that counted as votes (ok and readable). */
  completed: number
  /** Failed results: the task threw, the output was unreadable, or the copy ran past its chunk timeout. */
  failed: number
  /** Leases lost before a result (expired, or released by their worker): their copy waits to be issued again. */
  reissued: number
  /** Leases moved from one worker to another by a transfer (a handoff). */
  transferred: number
  /** From a copy's lease to its counted result, in milliseconds. */
  resultLatencyMs: HistogramSnapshot
  /** Store transactions (durable and not), in milliseconds. */
  writeMs: HistogramSnapshot
}

export type CountedKind = 'completed' | 'failed' | 'reissued' | 'transferred'

const LATENCY_BOUNDS_MS = [10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 1_800_000]
const WRITE_BOUNDS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1_000]

/**
 * The scheduler's counts. What a write counts is held back until it commits (a write that rolls
 * back counted nothing), as its events are.
 */
export class Stats {
  readonly #counts = { leased: 0, completed: 0, failed: 0, reissued: 0, transferred: 0 }
  readonly #latency = new Histogram(LATENCY_BOUNDS_MS)
  readonly #writes = new Histogram(WRITE_BOUNDS_MS)
  #pending: Array<CountedKind | number> = []

  /** Inside a write: one more of `kind`. */
  count (kind: CountedKind): void {
    this.#pending.push(kind)
  }

  /** Inside a write: a counted result `ms` after its lease. */
  latency (ms: number): void {
    this.#pending.push(ms)
  }

  commit (): void {
    for (const p of this.#pending) {
      if (typeof p === 'number') this.#latency.observe(p)
      else this.#counts[p]++
    }
    this.#pending = []
  }

  discard (): void {
    this.#pending = []
  }

  leased (n: number): void {
    this.#counts.leased += n
  }

  wrote (ms: number): void {
    this.#writes.observe(ms)
  }

  snapshot (): SchedulerStats {
    return { ...this.#counts, resultLatencyMs: this.#latency.snapshot(), writeMs: this.#writes.snapshot() }
  }
}
