/**
 * The scheduler's facade: the public `Scheduler`, the one place transactions open, and the
 * wiring of its policies (jobs.ts, leasing.ts, quorum.ts, trust.ts, stragglers.ts, expiry.ts,
 * transfers.ts), which see shared state only through `SchedulerContext` (context.ts).
 */
import type { ChunkResult, Lease, LeaseCheckpoint } from '@cycleshare/protocol'
import type { SchedulerContext, SchedulerEvent } from './context.js'
import type { Scheduler, SchedulerComponents } from './scheduler-api.js'
import { Emitter } from './emitter.js'
import { JobNotFinishedError } from './errors.js'
import { Expiry } from './expiry.js'
import { HeldLeases } from './held.js'
import { validateInit, type SchedulerInit, type SchedulerOptions } from './init.js'
import { Jobs } from './jobs.js'
import { Leasing } from './leasing.js'
import { formatLeaseId } from './lease-ids.js'
import { JOB_PAGE, PRUNE_BATCH } from './constants.js'
import { Quorum } from './quorum.js'
import { Stats, type SchedulerStats } from './stats.js'
import type { SchedulerStore, WorkerStats } from './store.js'
import { Transfers } from './transfers.js'
import { Trust } from './trust.js'
import type {
  ChunkEvent, ChunkEventKind, CompleteResult, FailureView, JobPage, JobRequest, JobResult, JobStatus, JobView, LeaseShare, LeaseTransfer, RenewResult, SchedulerEvents, TransferResult
} from './types.js'

export type { SchedulerInit } from './init.js'
export type { Scheduler, SchedulerComponents } from './scheduler-api.js'

export function createScheduler (components: SchedulerComponents, init: SchedulerInit = {}): Scheduler {
  return new DefaultScheduler(components, validateInit(init))
}

class DefaultScheduler implements Scheduler {
  private readonly store: SchedulerStore
  private readonly clock: () => number
  private readonly options: SchedulerOptions
  private readonly emitter = new Emitter()
  private readonly holding = new HeldLeases()
  private readonly counts = new Stats()
  private readonly jobs: Jobs
  private readonly trust: Trust
  private readonly quorum: Quorum
  private readonly leasing: Leasing
  private readonly expiry: Expiry
  private readonly transfers: Transfers
  /** Events of the write in progress, emitted once it has committed. */
  private queued: SchedulerEvent[] = []
  /** Copies' events of the write in progress (only while someone listens for `chunks`). */
  private traced: ChunkEvent[] = []
  /** Whether the write in progress made copies wait to be leased: one `work` event after it. */
  private moreWork = false
  private timer?: ReturnType<typeof setInterval>

  constructor (components: SchedulerComponents, options: SchedulerOptions) {
    if (components?.store == null) throw new TypeError('components.store is required')
    if (!(components.tasks instanceof Map)) throw new TypeError('components.tasks must be a Map of tasks by name')
    this.store = components.store
    this.clock = components.clock ?? Date.now
    this.options = options
    const ctx = this.context()
    this.jobs = new Jobs(ctx, components.tasks, components.paramsContext)
    this.trust = new Trust(ctx, components.random ?? Math.random)
    this.quorum = new Quorum(ctx)
    this.leasing = new Leasing(ctx, this.trust)
    this.expiry = new Expiry(ctx)
    this.transfers = new Transfers(ctx)
    this.write(() => { this.load() })
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────

  start (): void {
    if (this.timer !== undefined) return
    this.write(() => { this.expiry.restart(this.clock()) }, false)
    this.timer = setInterval(() => {
      // Only a storage failure can throw here; the next tick tries again.
      try { this.expire() } catch {}
    }, this.options.expireIntervalMs)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer === undefined) return
    clearInterval(this.timer)
    this.timer = undefined
  }

  close (): void {
    this.stop()
    this.store.close()
  }

  on<E extends keyof SchedulerEvents>(event: E, listener: SchedulerEvents[E]): () => void {
    return this.emitter.on(event, listener)
  }

  // ── jobs ───────────────────────────────────────────────────────────────────────────────────

  submit (req: JobRequest): JobView {
    const job = this.jobs.create(req, this.leasing.startingPass())
    this.write(() => { this.jobs.add(job) })
    return this.jobs.view(job)
  }

  get (id: string): JobView {
    return this.jobs.get(id)
  }

  list (page?: JobPage): JobView[] {
    return this.jobs.list(page)
  }

  blobsNeeded (): Set<string> {
    const needed = new Set<string>()
    for (const job of this.jobs.active.values()) for (const blob of job.task.blobs?.(job.params) ?? []) needed.add(blob)
    return needed
  }

  result (id: string): JobResult {
    return this.jobs.result(id)
  }

  cancel (id: string): JobView {
    const job = this.jobs.find(id)
    if (job === undefined) return this.jobs.get(id)
    return this.write(() => this.jobs.end(job, { status: 'cancelled', finishedAt: this.clock() }))
  }

  remove (id: string): void {
    const active = this.jobs.find(id)
    if (active !== undefined) throw new JobNotFinishedError(id, active.status)
    const seq = this.jobs.seqOf(id)
    this.write(() => {
      this.store.removeJob(seq)
      this.queued.push(['removed', id])
    })
  }

  prune (before: number, limit = PRUNE_BATCH): string[] {
    return this.write(() => this.store.finishedBefore(before, limit).map(({ seq, id }) => {
      this.store.removeJob(seq)
      this.queued.push(['removed', id])
      return id
    }))
  }

  pending (): { pending: number, tasks: string[] } {
    return this.jobs.pending()
  }

  // ── leases ─────────────────────────────────────────────────────────────────────────────────

  lease (worker: string, slots: number, tasks?: readonly string[], share?: LeaseShare): Lease[] {
    checkWorker(worker)
    if (!Number.isSafeInteger(slots) || slots < 0) throw new RangeError('slots must be a non-negative integer')
    if (slots === 0 || this.trust.exclusion(worker) !== undefined) return []
    const plan = this.leasing.plan(worker, slots, tasks, this.clock(), share)
    if (plan === undefined) return []
    // A lease lost in a power cut is reissued under another tag; its result is then refused.
    const leases = this.write(() => this.leasing.issue(plan), false)
    this.counts.leased(leases.length)
    return leases
  }

  complete (worker: string, results: ChunkResult[]): CompleteResult {
    checkWorker(worker)
    return this.write(() => this.quorum.complete(worker, results))
  }

  completeAll (reports: ReadonlyArray<{ worker: string, results: ChunkResult[] }>): CompleteResult[] {
    for (const { worker, results } of reports) {
      checkWorker(worker)
      if (!Array.isArray(results)) throw new TypeError('results must be an array')
    }
    return this.write(() => reports.map(({ worker, results }) => this.quorum.complete(worker, results)))
  }

  renew (worker: string, leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): RenewResult {
    checkWorker(worker)
    checkCheckpoints(checkpoints)
    const exclusion = this.trust.exclusion(worker)
    if (exclusion !== undefined) {
      const refused = checkpoints.map(c => ({ leaseId: String(c?.leaseId), reason: `worker excluded: ${exclusion}` }))
      return { renewed: [], lost: [...leaseIds], ttlMs: this.options.leaseTtlMs, refused }
    }
    const now = this.clock()
    return this.write(() => this.expiry.renew(worker, leaseIds, checkpoints, now), false)
  }

  release (worker: string, leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): string[] {
    checkWorker(worker)
    checkCheckpoints(checkpoints)
    // An excluded worker holds nothing any more; its word about any state is not kept either.
    const kept = this.trust.exclusion(worker) === undefined ? checkpoints : []
    return this.write(() => this.leasing.release(worker, leaseIds, kept), false)
  }

  transfer (sender: string, transfers: readonly LeaseTransfer[], checkpoints: LeaseCheckpoint[] = []): TransferResult {
    checkWorker(sender, 'sender')
    if (!Array.isArray(transfers)) throw new TypeError('transfers must be an array of { leaseId, epoch, from, to }')
    checkCheckpoints(checkpoints)
    if (transfers.length === 0) return { moved: [], refused: [] }
    const now = this.clock()
    // Durable: the giver forgets what it handed over, so the move must outlive a power cut.
    return this.write(() => this.transfers.transfer(sender, transfers, checkpoints, now))
  }

  expire (now: number = this.clock()): number {
    return this.write(() => this.expiry.expire(now), false)
  }

  // ── workers ────────────────────────────────────────────────────────────────────────────────

  workerStats (worker?: string): WorkerStats[] {
    return this.store.workerStats(worker)
  }

  exclusion (worker: string): string | undefined {
    return this.trust.exclusion(worker)
  }

  held (worker: string): number {
    return this.holding.get(worker)
  }

  holdsJob (worker: string, jobId: string): boolean {
    const job = this.jobs.find(jobId)
    return job !== undefined && this.holding.ofJob(worker, job.seq) > 0
  }

  stats (): SchedulerStats {
    return this.counts.snapshot()
  }

  failures ({ jobId, limit = 100 }: { jobId?: string, limit?: number } = {}): FailureView[] {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > JOB_PAGE.maxLimit) throw new RangeError(`limit must be an integer from 1 to ${JOB_PAGE.maxLimit}`)
    const jobSeq = jobId === undefined ? undefined : this.jobs.seqOf(jobId)
    return this.store.failures({ jobSeq, limit }).map(f => ({ jobId: f.jobId, index: f.index, attempt: f.attempt, worker: f.worker, error: f.error, at: new Date(f.at).toISOString() }))
  }

  jobCounts (): Record<JobStatus, number> {
    return { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, ...this.store.jobCounts() }
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────

  /** What the policies see of the scheduler. */
  private context (): SchedulerContext {
    const jobs = (): Jobs => this.jobs
    return {
      store: this.store,
      options: this.options,
      now: this.clock,
      get active () { return jobs().active },
      holding: this.holding,
      emit: (...event) => { this.queued.push(event) },
      workAdded: () => { this.moreWork = true },
      hold: (worker, jobSeq, delta) => { this.holding.hold(worker, jobSeq, delta) },
      revoke: leases => { this.revoke(leases) },
      stats: this.counts,
      trace: (kind, job, copy, worker, error) => { this.trace(kind, job, copy, worker, error) },
      jobStats: seq => this.jobs.jobStats(seq),
      view: job => this.jobs.view(job),
      end: (job, end) => this.jobs.end(job, end),
      finish: job => { this.jobs.finish(job) },
      exclusion: worker => this.trust.exclusion(worker),
      countWorker: (worker, delta) => { this.trust.count(worker, delta) },
      fail: (job, lease, worker, reason, chunk) => { this.quorum.fail(job, lease, worker, reason, chunk) },
      evaluate: (job, index, ballot, lastFailure) => { this.quorum.evaluate(job, index, ballot, lastFailure) }
    }
  }

  /** Queues a copy's event for `chunks`, while someone listens. */
  private trace (kind: ChunkEventKind, job: { id: string }, { index, attempt }: { index: number, attempt: number }, worker: string, error?: string): void {
    if (!this.emitter.listened('chunks')) return
    const event: ChunkEvent = { jobId: job.id, index, attempt, worker, kind, at: this.clock() }
    if (error !== undefined) event.error = error
    this.traced.push(event)
  }

  /** Drops each lease from its holder's count and queues one `revoke` event per holder. */
  private revoke (leases: Parameters<SchedulerContext['revoke']>[0]): void {
    const byWorker = new Map<string, string[]>()
    for (const lease of leases) {
      this.holding.hold(lease.worker, lease.jobSeq, -1)
      const job = this.jobs.active.get(lease.jobSeq)
      if (job !== undefined) this.trace('revoked', job, lease, lease.worker)
      const ids = byWorker.get(lease.worker)
      if (ids === undefined) byWorker.set(lease.worker, [formatLeaseId(lease)])
      else ids.push(formatLeaseId(lease))
    }
    for (const [worker, ids] of byWorker) this.queued.push(['revoke', worker, ids])
  }

  /**
   * Runs `fn` as one transaction, then emits the events it queued. If it throws, the in-memory
   * state (which `fn` may have half-changed, a reduced accumulator included) is rebuilt from the
   * store, which rolled back. Only state a restart rebuilds or forgives may skip `durable`.
   */
  private write<T>(fn: () => T, durable = true): T {
    let result: T
    const began = performance.now()
    try {
      result = this.store.transaction(() => {
        const value = fn()
        this.trust.flush()
        return value
      }, durable)
    } catch (err) {
      this.counts.discard()
      this.trust.discard()
      this.store.transaction(() => { this.load() })
      this.queued = []
      this.traced = []
      this.moreWork = false
      this.holding.takeChanged()
      throw err
    }
    this.counts.wrote(performance.now() - began)
    this.counts.commit()
    const events = this.queued
    if (this.moreWork) events.push(['work', this.jobs.pending().pending])
    for (const worker of this.holding.takeChanged()) events.push(['held', worker, this.holding.get(worker)])
    if (this.traced.length > 0) events.push(['chunks', this.traced])
    this.traced = []
    this.queued = []
    this.moreWork = false
    for (const [event, ...args] of events) (this.emitter.emit as (e: string, ...a: unknown[]) => void)(event, ...args)
    return result
  }

  /** Rebuilds the in-memory state from the store, inside a write. */
  private load (): void {
    this.trust.load()
    this.holding.load(this.store.liveLeases())
    this.jobs.load(this.leasing.virtualTime)
  }
}

function checkWorker (worker: string, name = 'worker'): void {
  if (typeof worker !== 'string' || worker === '') throw new TypeError(`${name} must be a non-empty string`)
}

function checkCheckpoints (checkpoints: readonly LeaseCheckpoint[]): void {
  if (!Array.isArray(checkpoints)) throw new TypeError('checkpoints must be an array of { leaseId, state }')
}
