import type { Scheduler, WorkerStats } from '@cycleshare/scheduler'
import { taskCapability } from '@cycleshare/tasks'
import type { WorkerChangeListener, WorkerView } from './types.js'

/** What a worker last told us; lost on restart and rebuilt from its next pull. */
interface Live {
  threads: number
  tasks: string[]
  connected: boolean
  lastSeen: number
}

/**
 * The workers an accumulation point has heard from. What they are doing is soft state (from
 * pulls, requests and connection events); whether they are working is the scheduler's count of
 * the leases they hold, and what they achieved its durable record. Nothing here counts leases.
 */
export class WorkerRegistry {
  private readonly live = new Map<string, Live>()
  private readonly listeners = new Set<WorkerChangeListener>()

  constructor (
    private readonly scheduler: Scheduler,
    private readonly clock: () => number,
    /** Workers not heard from for this long, and not connected, are forgotten (their record stays). */
    private readonly forgetAfterMs: number,
    /** Why a worker's pulls are dropped for now, if they are (its budgets say). */
    private readonly throttled: (peerId: string) => string | undefined = () => undefined
  ) {}

  /** Hears of every change of a worker's leases (expiry included); returns a function that stops. */
  follow (): () => void {
    return this.scheduler.on('held', (worker) => { if (this.live.has(worker)) this.changed(worker) })
  }

  onChange (listener: WorkerChangeListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  pulled (peerId: string, threads: number, tasks: string[]): void {
    const w = this.touch(peerId)
    w.threads = threads
    w.tasks = tasks
    this.changed(peerId)
  }

  /** A sign of life that changes nothing shown but `lastSeen`. */
  seen (peerId: string): void {
    this.touch(peerId)
  }

  /** Whether the worker's pulls are being dropped changed. */
  throttleChanged (peerId: string): void {
    if (this.live.has(peerId)) this.changed(peerId)
  }

  disconnected (peerId: string): void {
    const w = this.live.get(peerId)
    if (w === undefined) return
    w.connected = false
    this.changed(peerId)
  }

  /**
   * Threads of the workers that may take a job of `task` now, as their pulls last said: connected,
   * neither excluded nor with their pulls set aside. How many share a job (the scheduler's
   * LeaseShare). One pass over the workers: asked once per job a pull could be dealt from.
   */
  threadsFor (task: string): number {
    let threads = 0
    for (const [peerId, w] of this.live) {
      if (!w.connected || !w.tasks.includes(taskCapability(task)) || this.throttled(peerId) !== undefined || this.scheduler.exclusion(peerId) !== undefined) continue
      threads += w.threads
    }
    return threads
  }

  /**
   * The workers connected or heard from lately, most recently seen first; with `all`, every
   * worker on the scheduler's record too. Forgets the others first.
   */
  list (all = false): WorkerView[] {
    this.forget()
    const stats = all ? new Map(this.scheduler.workerStats().map(s => [s.worker, s])) : undefined
    const ids = new Set([...this.live.keys(), ...stats?.keys() ?? []])
    return [...ids].map(id => this.view(id, stats === undefined ? this.scheduler.workerStats(id)[0] : stats.get(id)))
      .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))
  }

  /** Drops the soft state of workers neither connected nor heard from within `forgetAfterMs`. */
  forget (): void {
    const before = this.clock() - this.forgetAfterMs
    for (const [peerId, w] of this.live) if (!w.connected && w.lastSeen <= before) this.live.delete(peerId)
  }

  private view (peerId: string, stats?: WorkerStats): WorkerView {
    const w = this.live.get(peerId)
    const throttled = w?.connected === true ? this.throttled(peerId) : undefined
    return {
      peerId,
      threads: w?.threads ?? 0,
      tasks: w?.tasks ?? [],
      state: w === undefined || !w.connected
        ? 'disconnected'
        : stats?.excluded != null ? 'excluded' : this.scheduler.held(peerId) > 0 ? 'working' : 'idle',
      chunksDone: stats?.chunksDone ?? 0,
      chunksFailed: stats?.chunksFailed ?? 0,
      valid: stats?.valid ?? 0,
      invalid: stats?.invalid ?? 0,
      credit: (stats?.creditMs ?? 0) / 1000,
      ...(stats?.excluded != null ? { excluded: stats.excluded } : {}),
      ...(throttled !== undefined ? { throttled } : {}),
      lastSeen: new Date(w?.lastSeen ?? stats?.lastSeen ?? 0).toISOString()
    }
  }

  private touch (peerId: string): Live {
    let w = this.live.get(peerId)
    if (w === undefined) {
      w = { threads: 0, tasks: [], connected: true, lastSeen: 0 }
      this.live.set(peerId, w)
    }
    w.connected = true
    w.lastSeen = this.clock()
    return w
  }

  private changed (peerId: string): void {
    if (this.listeners.size === 0) return
    // One worker's record: reading every worker's on each change made a pull cost O(workers).
    const view = (): WorkerView => this.view(peerId, this.scheduler.workerStats(peerId)[0])
    for (const listener of this.listeners) listener(view, peerId)
  }
}
