import type { LiveLease } from './store.js'

/**
 * Live leases per worker: the one count of them, moved with every change of a lease's state and
 * rebuilt from the store by `load`. The workers whose count moved in the write in progress get
 * one `held` event each after it.
 */
export class HeldLeases {
  private readonly counts = new Map<string, number>()
  private changed = new Set<string>()

  get (worker: string): number {
    return this.counts.get(worker) ?? 0
  }

  hold (worker: string, delta: number): void {
    const held = (this.counts.get(worker) ?? 0) + delta
    if (held <= 0) this.counts.delete(worker)
    else this.counts.set(worker, held)
    this.changed.add(worker)
  }

  /** The workers whose count moved since the last call. */
  takeChanged (): Set<string> {
    const changed = this.changed
    this.changed = new Set()
    return changed
  }

  load (live: readonly LiveLease[]): void {
    this.counts.clear()
    for (const { worker } of live) this.counts.set(worker, (this.counts.get(worker) ?? 0) + 1)
  }
}
