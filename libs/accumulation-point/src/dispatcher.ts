/**
 * Where a pull turns into an assign. A worker's pull is answered by leasing it up to `slots`
 * chunks and sending them in one `assign`; everything that decides who gets what, and when, is
 * in this file.
 */
import type { PullMessage } from '@cycleshare/protocol'
import type { Scheduler } from '@cycleshare/scheduler'
import type { PeerBudgets } from './budgets.js'
import { coalesce } from './coalesce.js'
import type { AccumulationPointLog, DispatchStats } from './types.js'
import type { Wire } from './wire.js'

export interface DispatcherComponents {
  scheduler: Scheduler
  wire: Pick<Wire, 'assign'>
  log: AccumulationPointLog
  /** Told how each assign settled: a peer that refuses everything, time after time, is backed off. */
  budgets: Pick<PeerBudgets, 'assigned'>
  /** Threads of the connected workers that run `task` (registry.ts): what a pull's fair share is measured against. */
  threadsFor: (task: string) => number
}

/**
 * The rules:
 * - an excluded worker (outvoted too often) gets nothing;
 * - a worker gets at most its share of a job, by its threads among those of the connected workers
 *   that run the job's task, less what it holds of the job (the scheduler's LeaseShare), so that
 *   one worker's deep queue does not hold what idle ones could run;
 * - one assign in flight per worker: a pull that arrives meanwhile is kept, the newest replacing
 *   older ones (its slot count is the worker's latest word), and served when the assign settles,
 *   so pulls are never dropped and the worker's count of free slots and ours stay in step;
 * - a pull that finds nothing is remembered (the worker is hungry), and when work arrives the
 *   hungry are served at once, without waiting for an announcement and a fresh pull;
 * - leases the worker refuses (or leaves unnamed), and every lease of an assign that fails, are
 *   released at once;
 * - a worker that takes nothing from several assigns in a row has its pulls set aside for a while
 *   (budgets.ts), so the chunks it refuses go to others rather than back to it.
 */
export class Dispatcher {
  /** Counts since start (`AccumulationPoint.dispatchStats`). */
  readonly stats: DispatchStats = { pulls: 0, emptyPulls: 0, assigns: 0, leases: 0 }
  /** Workers with an assign in flight, and the pull that came in meanwhile. */
  private readonly assigning = new Map<string, PullMessage | undefined>()
  /** Workers whose last pull found nothing, and that pull. */
  private readonly hungry = new Map<string, PullMessage>()
  private readonly feedHungry = coalesce(() => { this.workArrived() })
  /** Unsubscribes from the scheduler's `work`; set while the dispatcher takes pulls. */
  private unsubscribe?: () => void

  constructor (private readonly components: DispatcherComponents) {}

  start (): void {
    this.unsubscribe ??= this.components.scheduler.on('work', () => { this.feedHungry.request() })
  }

  /** Takes no more pulls; assigns in flight settle, and the pulls kept for after them are dropped. */
  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.feedHungry.cancel()
    this.hungry.clear()
    for (const worker of this.assigning.keys()) this.assigning.set(worker, undefined)
  }

  /** A worker asked for work. */
  pulled (worker: string, pull: PullMessage): void {
    if (this.unsubscribe === undefined) return // stopped
    if (this.components.scheduler.exclusion(worker) !== undefined) return
    this.stats.pulls++
    void this.assign(worker, pull)
  }

  /** The worker is gone: its last pull no longer stands. */
  disconnected (worker: string): void {
    this.hungry.delete(worker)
  }

  private workArrived (): void {
    for (const [worker, pull] of [...this.hungry]) void this.assign(worker, pull)
  }

  private async assign (worker: string, pull: PullMessage): Promise<void> {
    const { scheduler, wire, log, budgets } = this.components
    if (this.assigning.has(worker)) {
      this.assigning.set(worker, pull)
      return
    }
    const leases = scheduler.lease(worker, pull.slots, pull.tasks, { threads: pull.capacity.threads, threadsFor: this.components.threadsFor })
    if (leases.length === 0) {
      this.stats.emptyPulls++
      this.hungry.set(worker, pull)
      return
    }
    this.stats.assigns++
    this.stats.leases += leases.length
    this.hungry.delete(worker)
    this.assigning.set(worker, undefined)
    let settled = 0
    try {
      const answer = await wire.assign(worker, leases)
      const refused = refusedOf(leases, answer)
      if (refused.length > 0) scheduler.release(worker, refused)
      settled = leases.length - refused.length
    } catch (err) {
      // The worker may have taken some before failing to answer; releasing gives them to others,
      // and a result it still sends for one of them is accepted once all the same.
      log('warn', 'assign failed; leases released', { worker, err: (err as Error).message, leases: leases.length })
      scheduler.release(worker, leases.map(l => l.leaseId))
    } finally {
      const backoffMs = budgets.assigned(worker, settled)
      if (backoffMs !== undefined) {
        log('warn', 'worker refused every lease of several assigns in a row; its pulls are set aside', { worker, backoffMs })
        this.assigning.set(worker, undefined) // the pull kept meanwhile is set aside with the rest
        this.hungry.delete(worker)
      }
      const next = this.assigning.get(worker)
      this.assigning.delete(worker)
      if (next !== undefined) void this.assign(worker, next)
    }
  }
}

/** The leases an `assigned` answer refuses: those it says so of, and those it does not name. */
function refusedOf (leases: ReadonlyArray<{ leaseId: string }>, answer: { accepted: string[], refused: string[] }): string[] {
  if (answer.accepted.length + answer.refused.length === leases.length) return answer.refused
  const accepted = new Set(answer.accepted)
  return leases.map(l => l.leaseId).filter(id => !accepted.has(id))
}
