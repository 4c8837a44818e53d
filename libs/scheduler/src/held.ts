import type { LiveLease } from './store.js'

/**
 * Live leases per worker, and per worker and job, and per job: the one count of them, moved with
 * every change of a lease's state and rebuilt from the store by `load`. The workers whose count
 * moved in the write in progress get one `held` event each after it. The per-job counts are what
 * a worker's fair share of a job is measured against (leasing.ts).
 */
export class HeldLeases {
  private readonly byWorker = new Map<string, number>()
  /** By worker, then job seq. */
  private readonly byWorkerJob = new Map<string, Map<number, number>>()
  private readonly byJob = new Map<number, number>()
  private changed = new Set<string>()

  get (worker: string): number {
    return this.byWorker.get(worker) ?? 0
  }

  /** Live leases of job `jobSeq` that `worker` holds. */
  ofJob (worker: string, jobSeq: number): number {
    return this.byWorkerJob.get(worker)?.get(jobSeq) ?? 0
  }

  /** Live leases of job `jobSeq`, whoever holds them. */
  job (jobSeq: number): number {
    return this.byJob.get(jobSeq) ?? 0
  }

  hold (worker: string, jobSeq: number, delta: number): void {
    bump(this.byWorker, worker, delta)
    bump(this.byJob, jobSeq, delta)
    let jobs = this.byWorkerJob.get(worker)
    if (jobs === undefined) this.byWorkerJob.set(worker, jobs = new Map())
    bump(jobs, jobSeq, delta)
    if (jobs.size === 0) this.byWorkerJob.delete(worker)
    this.changed.add(worker)
  }

  /** The workers whose count moved since the last call. */
  takeChanged (): Set<string> {
    const changed = this.changed
    this.changed = new Set()
    return changed
  }

  load (live: readonly LiveLease[]): void {
    this.byWorker.clear()
    this.byWorkerJob.clear()
    this.byJob.clear()
    const changed = this.changed
    for (const { worker, jobSeq } of live) this.hold(worker, jobSeq, 1)
    this.changed = changed
  }
}

function bump<K> (counts: Map<K, number>, key: K, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta
  if (n <= 0) counts.delete(key)
  else counts.set(key, n)
}
