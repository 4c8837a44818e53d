import { decode, encode } from './codec.js'
import { defaultSchedulerInit } from './constants.js'
import { Emitter } from './emitter.js'
import { InvalidJobError, JobNotDoneError, JobNotFoundError, UnknownTaskError } from './errors.js'
import { allocateRoundRobin, type Candidate } from './fairness.js'
import { newId } from './ids.js'
import { formatLeaseId, parseLeaseId, tagOf, type LeaseRef } from './lease-ids.js'
import type { ChunkRow, JobEnd, JobRow, SchedulerStore, WorkerStats } from './store.js'
import type { AnyTask } from '@cycleshare/tasks'
import type {
  ChunkOutcome, CompleteResult, JobRequest, JobResult, JobStatus, JobView, LeaseGrant, RenewResult, SchedulerEvents
} from './types.js'

export interface SchedulerComponents {
  store: SchedulerStore
  /** The tasks jobs may name, by name. */
  tasks: ReadonlyMap<string, AnyTask>
  /** Milliseconds since the epoch. */
  clock?: () => number
}

export interface SchedulerInit {
  /**
   * How long a worker holds a chunk without renewing before it is reissued.
   * @defaultValue 30_000
   */
  leaseTtlMs?: number
  /**
   * Failed attempts of one chunk before its job fails.
   * @defaultValue 5
   */
  maxAttempts?: number
  /**
   * The largest chunk count a job may ask for.
   * @defaultValue 10_000_000
   */
  maxChunks?: number
  /**
   * How often the timer reissues expired leases.
   * @defaultValue 1_000
   */
  expireIntervalMs?: number
}

export interface Scheduler {
  /** Starts the expiry timer, and gives every live lease a fresh deadline (nobody could renew while we were down). */
  start(): void
  stop(): void
  /** Throws `InvalidJobError` (naming the field) or `UnknownTaskError`. */
  submit(req: JobRequest): JobView
  /** Throws `JobNotFoundError`. */
  get(id: string): JobView
  /** Newest first. */
  list(): JobView[]
  /** Throws `JobNotFoundError`, or `JobNotDoneError` saying the job's status. */
  result(id: string): JobResult
  /** Ends a queued or running job and revokes its leases; a finished job is returned as it is. */
  cancel(id: string): JobView
  /** Leases up to `slots` chunks, shared round-robin across jobs, of the given task names only (all if omitted). */
  lease(worker: string, slots: number, tasks?: readonly string[]): LeaseGrant[]
  /** Records a batch of results in one transaction: durable before this returns. */
  complete(worker: string, outcomes: ChunkOutcome[]): CompleteResult
  /** Extends the leases `worker` holds that are still live; the others are lost. */
  renew(worker: string, leaseIds: string[]): RenewResult
  /** Takes back leases unfinished (not a failed attempt); returns the ids released. */
  release(worker: string, leaseIds: string[]): string[]
  /** Reissues the leases expired at `now`; returns how many. The timer runs this too. */
  expire(now?: number): number
  /** Chunks waiting to be leased, and their task names. */
  pending(): { pending: number, tasks: string[] }
  workerStats(): WorkerStats[]
  /** Returns a function that unsubscribes. */
  on<E extends keyof SchedulerEvents>(event: E, listener: SchedulerEvents[E]): () => void
  /** Stops and closes the store. */
  close(): void
}

/** A queued or running job, kept in memory so that leasing and reducing never decode it again. */
interface ActiveJob {
  seq: number
  id: string
  task: AnyTask
  params: unknown
  chunks: number
  nextIndex: number
  done: number
  /** Chunks that were leased before and wait to be leased again. */
  retry: number
  status: 'queued' | 'running'
  acc: unknown
  createdAt: number
}

type Event = { [E in keyof SchedulerEvents]: [E, ...Parameters<SchedulerEvents[E]>] }[keyof SchedulerEvents]

export function createScheduler (components: SchedulerComponents, init: SchedulerInit = {}): Scheduler {
  return new DefaultScheduler(components, validateInit(init))
}

function validateInit (init: SchedulerInit): Required<SchedulerInit> {
  if (init === null || typeof init !== 'object') throw new TypeError('options must be an object')
  const options = { ...defaultSchedulerInit, ...init }
  for (const key of Object.keys(defaultSchedulerInit) as Array<keyof SchedulerInit>) {
    const value = options[key]
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`options.${key} must be a positive integer`)
    }
  }
  return options
}

class DefaultScheduler implements Scheduler {
  private readonly store: SchedulerStore
  private readonly tasks: ReadonlyMap<string, AnyTask>
  private readonly clock: () => number
  private readonly options: Required<SchedulerInit>
  private readonly emitter = new Emitter()
  /** Oldest first: Map keeps insertion order and new jobs get the largest seq. */
  private active = new Map<number, ActiveJob>()
  private activeById = new Map<string, ActiveJob>()
  /** The job served last, so that the next lease's round starts after it. */
  private lastServed = 0
  /** Events of the write in progress, emitted once it has committed. */
  private queued: Event[] = []
  private timer?: ReturnType<typeof setInterval>

  constructor (components: SchedulerComponents, options: Required<SchedulerInit>) {
    if (components?.store == null) throw new TypeError('components.store is required')
    if (!(components.tasks instanceof Map)) throw new TypeError('components.tasks must be a Map of tasks by name')
    this.store = components.store
    this.tasks = components.tasks
    this.clock = components.clock ?? Date.now
    this.options = options
    this.write(() => { this.load() })
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────

  start (): void {
    if (this.timer !== undefined) return
    this.write(() => { this.store.extendLive(this.clock() + this.options.leaseTtlMs) }, false)
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
    if (req === null || typeof req !== 'object') throw new InvalidJobError('request', 'the job request must be an object')
    const { task: name, params: raw, chunks } = req
    if (typeof name !== 'string' || name === '') throw new InvalidJobError('task', 'task must be a non-empty string')
    const task = this.tasks.get(name)
    if (task === undefined) throw new UnknownTaskError(name)
    const { maxChunks } = this.options
    if (!Number.isSafeInteger(chunks) || chunks < 1 || chunks > maxChunks) {
      throw new InvalidJobError('chunks', `chunks must be an integer from 1 to ${maxChunks}`)
    }
    let params: unknown
    let acc: unknown
    try {
      params = task.parseParams(raw, chunks)
      acc = task.init(params, chunks)
    } catch (err) {
      throw invalidParams(err)
    }

    const job: ActiveJob = {
      seq: 0, id: newId(), task, params, chunks, nextIndex: 0, done: 0, retry: 0, status: 'queued', acc, createdAt: this.clock()
    }
    this.write(() => {
      job.seq = this.store.insertJob({
        id: job.id, task: name, params: encode(params), chunks, acc: encode(acc), createdAt: job.createdAt
      })
      this.track(job)
      this.queued.push(['job', activeView(job)], ['work', this.pendingCount()])
    })
    return activeView(job)
  }

  get (id: string): JobView {
    const job = this.activeById.get(id)
    if (job !== undefined) return activeView(job)
    return rowView(this.row(id))
  }

  list (): JobView[] {
    return this.store.jobs().map(rowView)
  }

  result (id: string): JobResult {
    const row = this.row(id)
    if (row.status !== 'done' || row.result === null) throw new JobNotDoneError(id, row.status)
    return { type: row.resultType as JobResult['type'], value: decode(row.result) }
  }

  cancel (id: string): JobView {
    const job = this.activeById.get(id)
    if (job === undefined) return rowView(this.row(id))
    return this.write(() => this.end(job, { status: 'cancelled', finishedAt: this.clock() }))
  }

  // ── leases ─────────────────────────────────────────────────────────────────────────────────

  lease (worker: string, slots: number, tasks?: readonly string[]): LeaseGrant[] {
    checkWorker(worker)
    if (!Number.isSafeInteger(slots) || slots < 0) throw new RangeError('slots must be a non-negative integer')
    const only = tasks === undefined ? undefined : new Set(tasks)
    const candidates: Candidate[] = []
    for (const job of this.active.values()) {
      const available = job.retry + job.chunks - job.nextIndex
      if (available > 0 && (only === undefined || only.has(job.task.name))) candidates.push({ key: job.seq, available })
    }
    const { counts, last } = allocateRoundRobin(candidates, slots, this.lastServed)
    if (counts.size === 0) return []

    const ttlMs = this.options.leaseTtlMs
    const deadline = this.clock() + ttlMs
    const grants: LeaseGrant[] = []
    this.write(() => {
      for (const [seq, count] of counts) {
        const job = this.active.get(seq) as ActiveJob
        // Returned chunks first: they are the oldest work, and may be what holds a job back from done.
        const retried = job.retry > 0 ? this.store.retryIndexes(seq, Math.min(count, job.retry)) : []
        const fresh = Math.min(count - retried.length, job.chunks - job.nextIndex)
        const inputs = this.inputs(job, retried, fresh)
        if (inputs === undefined) continue
        let i = 0
        const grant = (index: number, attempt: number, tag: string): void => {
          const leaseId = formatLeaseId({ jobSeq: seq, index, attempt, tag })
          grants.push({ leaseId, jobId: job.id, index, attempt, task: job.task.name, input: inputs[i++], ttlMs })
        }
        for (const index of retried) {
          const tag = newId()
          grant(index, this.store.leaseRetry(seq, index, tag, worker, deadline), tag)
        }
        for (let index = job.nextIndex; index < job.nextIndex + fresh; index++) {
          const tag = newId()
          this.store.leaseNew(seq, index, tag, worker, deadline)
          grant(index, 1, tag)
        }
        job.retry -= retried.length
        job.nextIndex += fresh
        const started = job.status === 'queued'
        job.status = 'running'
        if (fresh > 0 || started) this.store.saveCursor(seq, job.nextIndex, job.status)
        if (started) this.queued.push(['job', activeView(job)])
      }
    }, false) // a lease lost in a power cut is reissued under another tag; its result is then refused
    this.lastServed = last
    return grants
  }

  renew (worker: string, leaseIds: string[]): RenewResult {
    checkWorker(worker)
    const now = this.clock()
    const ttlMs = this.options.leaseTtlMs
    const renewed: string[] = []
    const lost: string[] = []
    this.write(() => {
      for (const leaseId of leaseIds) {
        const lease = parseLeaseId(leaseId)
        const ok = lease !== undefined && this.store.renew(lease, worker, now, now + ttlMs)
        ;(ok ? renewed : lost).push(leaseId)
      }
    }, false)
    return { renewed, lost, ttlMs }
  }

  release (worker: string, leaseIds: string[]): string[] {
    checkWorker(worker)
    const released: string[] = []
    this.write(() => {
      for (const leaseId of leaseIds) {
        const lease = parseLeaseId(leaseId)
        if (lease === undefined || !this.store.release(lease, worker)) continue
        const job = this.active.get(lease.jobSeq)
        if (job !== undefined) job.retry++
        released.push(leaseId)
      }
      if (released.length > 0) this.queued.push(['work', this.pendingCount()])
    }, false)
    return released
  }

  expire (now: number = this.clock()): number {
    return this.write(() => {
      const seqs = this.store.expire(now)
      for (const seq of seqs) {
        const job = this.active.get(seq)
        if (job !== undefined) job.retry++
      }
      if (seqs.length > 0) this.queued.push(['work', this.pendingCount()])
      return seqs.length
    }, false)
  }

  pending (): { pending: number, tasks: string[] } {
    const tasks = new Set<string>()
    let pending = 0
    for (const job of this.active.values()) {
      const waiting = job.retry + job.chunks - job.nextIndex
      if (waiting === 0) continue
      pending += waiting
      tasks.add(job.task.name)
    }
    return { pending, tasks: [...tasks] }
  }

  workerStats (): WorkerStats[] {
    return this.store.workerStats()
  }

  // ── results ────────────────────────────────────────────────────────────────────────────────

  complete (worker: string, outcomes: ChunkOutcome[]): CompleteResult {
    checkWorker(worker)
    const accepted: string[] = []
    const rejected: CompleteResult['rejected'] = []
    const touched = new Set<ActiveJob>()
    const counts = { done: 0, failed: 0 }

    this.write(() => {
      for (const outcome of outcomes) {
        const leaseId: unknown = outcome?.leaseId
        if (typeof leaseId !== 'string') {
          rejected.push({ leaseId: String(leaseId), reason: 'malformed outcome' })
          continue
        }
        const lease = parseLeaseId(leaseId)
        const chunk = lease === undefined ? undefined : this.store.chunk(lease.jobSeq, lease.index)
        // Issued only if the chunk's row holds its tag: forged or garbled ids end here.
        if (lease === undefined || chunk === undefined || lease.attempt > chunk.attempt || tagOf(chunk.tags, lease.attempt) !== lease.tag) {
          rejected.push({ leaseId, reason: 'unknown lease' })
          continue
        }
        const job = this.active.get(lease.jobSeq)
        if (job === undefined) {
          rejected.push({ leaseId, reason: `job ${this.store.jobStatus(lease.jobSeq) ?? 'gone'}` })
          continue
        }
        // Already reduced (a resent batch, or a second attempt losing the race): durable, not counted again.
        if (chunk.state === 'done') {
          accepted.push(leaseId)
          continue
        }
        if (!outcome.ok) {
          if (this.failAttempt(job, lease, chunk, describeWire(outcome.error))) counts.failed++
          accepted.push(leaseId)
          continue
        }
        let output: unknown
        try {
          output = job.task.parseOutput(outcome.output, job.task.chunk(job.params, job.chunks, lease.index))
        } catch (err) {
          const reason = describe(err)
          if (this.failAttempt(job, lease, chunk, reason)) counts.failed++
          rejected.push({ leaseId, reason })
          continue
        }
        try {
          job.acc = job.task.reduce(job.acc, output, lease.index, job.params, job.chunks)
        } catch (err) {
          // The accumulator may be half-updated: the job cannot be trusted to finish right.
          this.end(job, { status: 'failed', finishedAt: this.clock(), error: `reducing chunk ${lease.index} of ${job.task.name} failed: ${describe(err)}` })
          rejected.push({ leaseId, reason: `job failed` })
          continue
        }
        this.store.markDone(job.seq, lease.index)
        if (chunk.state === 'retry') job.retry--
        job.done++
        counts.done++
        accepted.push(leaseId)
        touched.add(job)
        if (job.done === job.chunks) this.finish(job)
      }

      for (const job of touched) {
        if (!this.active.has(job.seq)) continue // finished or failed in this batch: already saved
        this.store.saveProgress(job.seq, job.done, encode(job.acc))
        this.queued.push(['job', activeView(job)])
      }
      if (counts.done > 0 || counts.failed > 0) this.store.countWorker(worker, counts.done, counts.failed)
    })
    return { accepted, rejected }
  }

  /**
   * Counts a failed attempt once: only the chunk's current live lease counts (it then goes back to
   * retry, so a resent report of it finds it no longer live). Returns whether it counted.
   */
  private failAttempt (job: ActiveJob, lease: LeaseRef, chunk: ChunkRow, reason: string): boolean {
    if (chunk.state !== 'leased' || chunk.attempt !== lease.attempt) return false
    const failures = this.store.markFailed(job.seq, lease.index)
    job.retry++
    if (failures >= this.options.maxAttempts) {
      this.end(job, {
        status: 'failed',
        finishedAt: this.clock(),
        error: `chunk ${lease.index} of ${job.task.name} failed ${failures} times: ${reason}`
      })
    } else {
      this.queued.push(['work', this.pendingCount()])
    }
    return true
  }

  private finish (job: ActiveJob): void {
    let result: Uint8Array
    try {
      result = encode(job.task.finalize(job.acc, job.params, job.chunks))
    } catch (err) {
      this.end(job, { status: 'failed', finishedAt: this.clock(), error: `finalizing ${job.task.name} failed: ${describe(err)}` })
      return
    }
    this.end(job, { status: 'done', finishedAt: this.clock(), result, resultType: job.task.resultType })
  }

  /** Ends an active job inside the current write, revoking the leases it still had out. */
  private end (job: ActiveJob, end: Omit<JobEnd, 'done'>): JobView {
    const live = this.store.endJob(job.seq, { ...end, done: job.done })
    this.untrack(job)
    const view: JobView = { ...activeView(job), status: end.status, finishedAt: new Date(end.finishedAt).toISOString() }
    if (end.error !== undefined) view.error = end.error
    this.queued.push(['job', view])
    const byWorker = new Map<string, string[]>()
    for (const { index, attempt, tag, worker } of live) {
      const leaseId = formatLeaseId({ jobSeq: job.seq, index, attempt, tag })
      const ids = byWorker.get(worker)
      if (ids === undefined) byWorker.set(worker, [leaseId])
      else ids.push(leaseId)
    }
    for (const [worker, ids] of byWorker) this.queued.push(['revoke', worker, ids])
    return view
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────

  /** Chunk inputs, retried indexes first; undefined (and the job failed) if the task cannot split. */
  private inputs (job: ActiveJob, retried: number[], fresh: number): unknown[] | undefined {
    const inputs: unknown[] = []
    let index = -1
    try {
      for (index of retried) inputs.push(job.task.chunk(job.params, job.chunks, index))
      for (index = job.nextIndex; index < job.nextIndex + fresh; index++) inputs.push(job.task.chunk(job.params, job.chunks, index))
      return inputs
    } catch (err) {
      this.end(job, { status: 'failed', finishedAt: this.clock(), error: `splitting chunk ${index} of ${job.task.name} failed: ${describe(err)}` })
      return undefined
    }
  }

  /**
   * Runs `fn` as one transaction, then emits the events it queued. If it throws, the in-memory
   * state (which `fn` may have half-changed, a reduced accumulator included) is rebuilt from the
   * store, which rolled back. Only state a restart rebuilds or forgives may skip `durable`.
   */
  private write<T>(fn: () => T, durable = true): T {
    let result: T
    try {
      result = this.store.transaction(fn, durable)
    } catch (err) {
      this.store.transaction(() => { this.load() })
      this.queued = []
      throw err
    }
    const events = this.queued
    this.queued = []
    for (const [event, ...args] of events) (this.emitter.emit as (e: string, ...a: unknown[]) => void)(event, ...args)
    return result
  }

  private load (): void {
    this.active = new Map()
    this.activeById = new Map()
    const rows = this.store.activeJobs()
    const retry = new Map(this.store.retryCounts().map(r => [r.jobSeq, r.count]))
    for (const row of rows) {
      const task = this.tasks.get(row.task)
      const job: ActiveJob = {
        seq: row.seq,
        id: row.id,
        task: task as AnyTask,
        params: decode(row.params),
        chunks: row.chunks,
        nextIndex: row.nextIndex,
        done: row.done,
        retry: retry.get(row.seq) ?? 0,
        status: row.status as ActiveJob['status'],
        acc: row.acc === null ? undefined : decode(row.acc),
        createdAt: row.createdAt
      }
      if (task === undefined) {
        // Written by a coordinator that had this task; this one cannot run or reduce it.
        this.end({ ...job, task: { name: row.task } as AnyTask }, {
          status: 'failed', finishedAt: this.clock(), error: `task ${row.task} is not available`
        })
        continue
      }
      this.track(job)
    }
  }

  private track (job: ActiveJob): void {
    this.active.set(job.seq, job)
    this.activeById.set(job.id, job)
  }

  private untrack (job: ActiveJob): void {
    this.active.delete(job.seq)
    this.activeById.delete(job.id)
  }

  private pendingCount (): number {
    let pending = 0
    for (const job of this.active.values()) pending += job.retry + job.chunks - job.nextIndex
    return pending
  }

  private row (id: string): JobRow {
    const row = typeof id === 'string' ? this.store.job(id) : undefined
    if (row === undefined) throw new JobNotFoundError(String(id))
    return row
  }
}

function activeView (job: ActiveJob): JobView {
  return {
    id: job.id,
    task: job.task.name,
    status: job.status,
    progress: { done: job.done, total: job.chunks },
    createdAt: new Date(job.createdAt).toISOString()
  }
}

function rowView (row: JobRow): JobView {
  const view: JobView = {
    id: row.id,
    task: row.task,
    status: row.status as JobStatus,
    progress: { done: row.done, total: row.chunks },
    createdAt: new Date(row.createdAt).toISOString()
  }
  if (row.finishedAt !== null) view.finishedAt = new Date(row.finishedAt).toISOString()
  if (row.error !== null) view.error = row.error
  return view
}

function checkWorker (worker: string): void {
  if (typeof worker !== 'string' || worker === '') throw new TypeError('worker must be a non-empty string')
}

/** A task's params error becomes a job error naming the same field (`params.to`). */
function invalidParams (err: unknown): InvalidJobError {
  const field = (err as { field?: unknown })?.field
  return new InvalidJobError(typeof field === 'string' ? field : 'params', err instanceof Error ? err.message : String(err))
}

function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : `Error: ${String(err)}`
}

function describeWire (err: unknown): string {
  const { name, message } = (err ?? {}) as { name?: unknown, message?: unknown }
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : String(message)}`
}
