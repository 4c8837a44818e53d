import { Inject, Injectable } from '@nestjs/common'
import type { Scheduler, WorkerStats } from '@cycleshare/scheduler'
import { SCHEDULER } from '../scheduler/scheduler.module.js'

export type WorkerState = 'idle' | 'working' | 'disconnected' | 'excluded'

export interface WorkerView {
  peerId: string
  threads: number
  tasks: string[]
  state: WorkerState
  /** Chunks whose results were accepted, over the coordinator's whole history. */
  chunksDone: number
  chunksFailed: number
  /** Results outvoted by a quorum. */
  invalid: number
  /** Why the worker gets no more work, if it does not. */
  excluded?: string
  /** ISO 8601 time of the last message from this worker. */
  lastSeen: string
}

interface Live {
  threads: number
  tasks: string[]
  connected: boolean
  leases: number
  lastSeen: number
}

/**
 * Workers the coordinator has heard from. What they are doing is soft state (rebuilt from pulls
 * and reports after a restart); what they achieved is the scheduler's durable record.
 */
@Injectable()
export class WorkersService {
  private readonly live = new Map<string, Live>()
  private readonly listeners = new Set<(view: () => WorkerView) => void>()

  constructor (@Inject(SCHEDULER) private readonly scheduler: Scheduler) {}

  /**
   * Calls `listener` whenever a worker changes, with a way to build its view: changes come with
   * every assign and report, and the view reads the scheduler's record, so only a listener that
   * has someone to tell should build it.
   */
  onChange (listener: (view: () => WorkerView) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  pulled (peerId: string, threads: number, tasks: string[]): void {
    const w = this.touch(peerId)
    w.threads = threads
    w.tasks = tasks
    this.changed(peerId)
  }

  /** Our own count of a worker's leases moved; not a sign of life from the worker. */
  leased (peerId: string, delta: number): void {
    const w = this.live.get(peerId)
    if (w === undefined) return
    w.leases = Math.max(0, w.leases + delta)
    this.changed(peerId)
  }

  seen (peerId: string): void {
    this.touch(peerId)
  }

  disconnected (peerId: string): void {
    const w = this.live.get(peerId)
    if (w === undefined) return
    w.connected = false
    w.leases = 0
    this.changed(peerId)
  }

  list (): WorkerView[] {
    const stats = new Map(this.scheduler.workerStats().map(s => [s.worker, s]))
    const ids = new Set([...this.live.keys(), ...stats.keys()])
    return [...ids].map(id => this.view(id, stats.get(id))).sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))
  }

  private view (peerId: string, stats?: WorkerStats): WorkerView {
    const w = this.live.get(peerId)
    return {
      peerId,
      threads: w?.threads ?? 0,
      tasks: w?.tasks ?? [],
      state: w === undefined || !w.connected ? 'disconnected' : stats?.excluded != null ? 'excluded' : w.leases > 0 ? 'working' : 'idle',
      chunksDone: stats?.chunksDone ?? 0,
      chunksFailed: stats?.chunksFailed ?? 0,
      invalid: stats?.invalid ?? 0,
      ...(stats?.excluded != null ? { excluded: stats.excluded } : {}),
      lastSeen: new Date(w?.lastSeen ?? 0).toISOString()
    }
  }

  private touch (peerId: string): Live {
    let w = this.live.get(peerId)
    if (w === undefined) {
      w = { threads: 0, tasks: [], connected: true, leases: 0, lastSeen: Date.now() }
      this.live.set(peerId, w)
    }
    w.connected = true
    w.lastSeen = Date.now()
    return w
  }

  private changed (peerId: string): void {
    if (this.listeners.size === 0) return
    const view = (): WorkerView => this.view(peerId, this.scheduler.workerStats().find(s => s.worker === peerId))
    for (const l of this.listeners) l(view)
  }
}
