/**
 * Chunks per second over the last `windowMs`, and the time left at that pace. The window keeps
 * the figure about now (a job slows down when workers leave), not about the whole run.
 */
export class Throughput {
  readonly #samples: Array<{ at: number, done: number }> = []

  constructor (private readonly windowMs = 10_000) {}

  /** Records `done` chunks at `at` (ms). */
  add (at: number, done: number): void {
    const last = this.#samples.at(-1)
    if (last !== undefined && done < last.done) this.#samples.length = 0 // a read older than an event: start again
    this.#samples.push({ at, done })
    while (this.#samples.length > 2 && at - this.#samples[1].at >= this.windowMs) this.#samples.shift()
  }

  /** Chunks a second, or undefined until two samples a moment apart have been seen. */
  rate (): number | undefined {
    const first = this.#samples[0]
    const last = this.#samples.at(-1)
    if (first === undefined || last === undefined || last.at - first.at < 200) return undefined
    return (last.done - first.done) / ((last.at - first.at) / 1000)
  }

  /** Milliseconds until `total`, at the current rate; undefined while the rate is unknown or zero. */
  etaMs (total: number): number | undefined {
    const rate = this.rate()
    const last = this.#samples.at(-1)
    if (rate === undefined || rate <= 0 || last === undefined) return undefined
    return ((total - last.done) / rate) * 1000
  }
}

/** `850 ms`, `3.2 s`, `4 min 05 s`, `2 h 07 min`. */
export function duration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  const whole = Math.round(s)
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`
}
