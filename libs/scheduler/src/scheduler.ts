/**
 * The scheduler's facade: the public `Scheduler`, the one place transactions open, and the
 * wiring of its policies (jobs.ts, leasing.ts, quorum.ts, trust.ts, stragglers.ts, expiry.ts,
 * transfers.ts), which see shared state only through `SchedulerContext` (context.ts).
 */
import type { Startable } from '@cycleshare/lifecycle'
import type { ChunkResult, Lease, LeaseCheckpoint } from '@cycleshare/protocol'
import type { AnyTask, ParamsContext } from '@cycleshare/tasks'
import type { SchedulerContext, SchedulerEvent } from './context.js'
import { Emitter } from './emitter.js'
import { Expiry } from './expiry.js'
import { HeldLeases } from './held.js'
import { validateInit, type SchedulerInit, type SchedulerOptions } from './init.js'
import { Jobs } from './jobs.js'
import { Leasing } from './leasing.js'
import { formatLeaseId } from './lease-ids.js'
import { JOB_PAGE } from './constants.js'
import { Quorum } from './quorum.js'
import { Stats, type SchedulerStats } from './stats.js'
import type { SchedulerStore, WorkerStats } from './store.js'
import { Transfers } from './transfers.js'
import { Trust } from './trust.js'
import type {
  ChunkEvent, ChunkEventKind, CompleteResult, FailureView, JobPage, JobRequest, JobResult, JobStatus, JobView, LeaseShare, LeaseTransfer, RenewResult, SchedulerEvents, TransferResult
} from './types.js'

export type { SchedulerInit } from './init.js'

export interface SchedulerComponents {
  store: SchedulerStore
  /** The tasks jobs may name, by name. */
  tasks: ReadonlyMap<string, AnyTask>
  /** What a task may look up when it checks a job's params (the blobs held); without it, params that name a blob are refused. */
  paramsContext?: ParamsContext
  /** Milliseconds since the epoch. */
  clock?: () => number
  /** A number in [0, 1): adaptive replication's spot checks. */
  random?: () => number
}

export interface Scheduler extends Startable {
  /** Starts the expiry timer, and gives every live lease a fresh deadline (nobody could renew while we were down). */
  start(): void
  /** Stops the expiry timer; the store stays open (`close` closes it). */
  stop(): void
  /** Throws `InvalidJobError` (naming the field) or `UnknownTaskError`. */
  submit(req: JobRequest): JobView
  /** Throws `JobNotFoundError`. */
  get(id: string): JobView
  /**
   * A page of jobs, newest first, read from their summaries. Throws RangeError (`limit`, 1 to 500,
   * default 50) or TypeError (`before`) naming the bad option, or `JobNotFoundError` if `before`
   * names no job.
   */
  list(page?: JobPage): JobView[]
  /** The blobs that queued and running jobs name in their params (each task's `blobs`): they must stay held. */
  blobsNeeded(): Set<string>
  /** Throws `JobNotFoundError`, or `JobNotDoneError` saying the job's status. */
  result(id: string): JobResult
  /** Ends a queued or running job and revokes its leases; a finished job is returned as it is. */
  cancel(id: string): JobView
  /**
   * Leases up to `slots` chunk copies, shared across jobs by priority, of the given task names only
   * (all if omitted); with nothing waiting, straggler backups. An excluded worker gets nothing.
   */
  lease(worker: string, slots: number, tasks?: readonly string[], share?: LeaseShare): Lease[]
  /**
   * Records a batch of results in one transaction: durable before this returns. Only a lease's
   * holder may report it (`not the holder of this lease`).
   */
  complete(worker: string, results: ChunkResult[]): CompleteResult
  /**
   * Several workers' reports in one transaction and one durable commit (group commit): the
   * answers are `complete`'s for each, in order. If the transaction fails, none is recorded.
   */
  completeAll(reports: ReadonlyArray<{ worker: string, results: ChunkResult[] }>): CompleteResult[]
  /**
   * Extends the leases `worker` holds that are still live; the others are lost. Keeps the latest
   * checkpoint of each lease it renewed, once its job's task has checked it (and it encodes to at
   * most MAX_CHECKPOINT_BYTES): a copy issued after that lease is lost goes on from it. The other
   * checkpoints are `refused`, with why. An excluded worker renews nothing and keeps nothing.
   */
  renew(worker: string, leaseIds: string[], checkpoints?: LeaseCheckpoint[]): RenewResult
  /**
   * Takes back leases `worker` holds unfinished (not a failed attempt); returns the ids released.
   * The valid checkpoints of those leases are kept, for the copies issued after them (as `renew`);
   * invalid ones are dropped.
   */
  release(worker: string, leaseIds: string[], checkpoints?: LeaseCheckpoint[]): string[]
  /**
   * Moves leases to another worker (a handoff), as `sender` presents them: it must be the giver
   * (`from`) or the taker (`to`) of each. The signatures are the caller's to check first. A lease
   * moves only if it is live and held by `from` at `epoch`, and `to` is not excluded and holds no
   * other copy of its chunk nor has answered it: then `to` holds it at `epoch + 1` with a fresh
   * deadline, and its valid checkpoint sent along (checked as `renew` does) is kept on it, for the
   * copy issued after it is lost; invalid ones are dropped. A transfer applied before is `moved`
   * again, with the same epoch, and counted once in the job's `stats.transfers`. The others are
   * `refused`, with why, and change nothing.
   */
  transfer(sender: string, transfers: readonly LeaseTransfer[], checkpoints?: LeaseCheckpoint[]): TransferResult
  /**
   * Reissues the leases expired at `now`, and counts copies that outlived their chunk timeout as
   * failed; returns how many. The timer runs this too.
   */
  expire(now?: number): number
  /** Chunk copies waiting to be leased, and their task names. */
  pending(): { pending: number, tasks: string[] }
  /** Every worker's record, by worker; or only `worker`'s (none if it has no record). */
  workerStats(worker?: string): WorkerStats[]
  /** Why a worker is excluded, or undefined if it is not (from memory: cheap). */
  exclusion(worker: string): string | undefined
  /**
   * Live leases `worker` holds: the one count of them (from memory: cheap). Every change comes
   * with a `held` event, expiry and release included.
   */
  held(worker: string): number
  /** Whether `worker` holds a live lease of job `jobId` now (from memory: cheap). */
  holdsJob(worker: string, jobId: string): boolean
  /** Returns a function that unsubscribes. */
  on<E extends keyof SchedulerEvents>(event: E, listener: SchedulerEvents[E]): () => void
  /** What it has done since it started (leases, results, failures, reissues, transfers, latencies, store writes): for metrics. */
  stats(): SchedulerStats
  /** How many jobs are in each status, from the store. */
  jobCounts(): Record<JobStatus, number>
  /**
   * Failed results, newest first: of one job (`JobNotFoundError` if there is none), or of every
   * job; `limit` 1 to 500, default 100.
   */
  failures(query?: { jobId?: string, limit?: number }): FailureView[]
  /** Stops and closes the store. */
  close(): void
}

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
