import type { AnyTask, ParamsContext } from '@cycleshare/tasks'
import { decode, encode } from './codec.js'
import { DURATION_SAMPLES, JOB_PAGE } from './constants.js'
import type { ActiveJob, SchedulerContext } from './context.js'
import { Durations } from './durations.js'
import { InvalidJobError, JobNotDoneError, JobNotFoundError, UnknownTaskError, describeError } from './errors.js'
import { newJobId } from './ids.js'
import { optionsView, parseJobOptions, resolveMaxAttempts } from './job-options.js'
import type { JobEnd, JobSummary } from './store.js'
import type { JobPage, JobRequest, JobResult, JobStats, JobView } from './types.js'

type JobsContext = Pick<SchedulerContext, 'store' | 'options' | 'now' | 'holding' | 'emit' | 'workAdded' | 'revoke'>

/**
 * Job lifecycle: a request checked into a job, stored, viewed, listed, finished, cancelled or
 * failed; and the queued and running jobs kept in memory, rebuilt from the store by `load`.
 */
export class Jobs {
  /** Queued and running jobs by seq, oldest first: a Map keeps insertion order and new jobs get the largest seq. */
  readonly active = new Map<number, ActiveJob>()
  private readonly byId = new Map<string, ActiveJob>()
  /** Backups, resumed copies and transfers by job seq, since this process started. */
  private readonly stats = new Map<number, JobStats>()

  constructor (private readonly ctx: JobsContext, private readonly tasks: ReadonlyMap<string, AnyTask>, private readonly paramsContext?: ParamsContext) {}

  /**
   * A request checked and made into a job starting at stride pass `pass`; nothing is stored yet.
   * Throws `InvalidJobError` (naming the field) or `UnknownTaskError`.
   */
  create (req: JobRequest, pass: number): ActiveJob {
    if (req === null || typeof req !== 'object') throw new InvalidJobError('request', 'the job request must be an object')
    const { task: name, params: raw, chunks } = req
    if (typeof name !== 'string' || name === '') throw new InvalidJobError('task', 'task must be a non-empty string')
    const task = this.tasks.get(name)
    if (task === undefined) throw new UnknownTaskError(name)
    const { maxChunks, maxAttempts } = this.ctx.options
    if (!Number.isSafeInteger(chunks) || chunks < 1 || chunks > maxChunks) {
      throw new InvalidJobError('chunks', `chunks must be an integer from 1 to ${maxChunks}`)
    }
    const options = parseJobOptions(req, maxAttempts)
    let params: unknown
    let acc: unknown
    try {
      params = task.parseParams(raw, chunks, this.paramsContext)
      acc = task.init(params, chunks)
    } catch (err) {
      throw invalidParams(err)
    }
    return {
      seq: 0,
      id: newJobId(),
      task,
      params,
      chunks,
      nextIndex: 0,
      done: 0,
      waiting: 0,
      verifying: 0,
      failures: 0,
      status: 'queued',
      acc,
      createdAt: this.ctx.now(),
      replication: options.replication,
      quorum: options.quorum,
      maxAttempts: resolveMaxAttempts(options, maxAttempts),
      chunkTimeoutMs: options.chunkTimeoutMs ?? task.defaultChunkTimeoutMs ?? null,
      priority: options.priority,
      pass,
      durations: new Durations(DURATION_SAMPLES)
    }
  }

  /** Stores a job made by `create`, inside the write. */
  add (job: ActiveJob): void {
    const { id, task, params, chunks, acc, createdAt, replication, quorum, maxAttempts, chunkTimeoutMs, priority } = job
    job.seq = this.ctx.store.addJob({
      id, task: task.name, params: encode(params), chunks, acc: encode(acc), createdAt, replication, quorum, maxAttempts, chunkTimeoutMs, priority
    })
    this.track(job)
    this.ctx.emit('job', this.view(job))
    this.ctx.workAdded()
  }

  /** A queued or running job by id. */
  find (id: string): ActiveJob | undefined {
    return this.byId.get(id)
  }

  /** Throws `JobNotFoundError`. */
  get (id: string): JobView {
    const job = this.byId.get(id)
    if (job !== undefined) return this.view(job)
    return this.summaryView(this.summary(id))
  }

  /** Newest first, from summaries only. Throws RangeError/TypeError naming a bad option, `JobNotFoundError` for `before`. */
  list (page: JobPage = {}): JobView[] {
    if (page === null || typeof page !== 'object') throw new TypeError('page must be an object')
    const { limit = JOB_PAGE.defaultLimit, before } = page
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > JOB_PAGE.maxLimit) {
      throw new RangeError(`limit must be an integer from 1 to ${JOB_PAGE.maxLimit}`)
    }
    if (before !== undefined && (typeof before !== 'string' || before === '')) throw new TypeError('before must be a job id')
    const beforeSeq = before === undefined ? undefined : this.summary(before).seq
    // Active jobs as `get` shows them: where their chunks are is known only in memory.
    return this.ctx.store.listJobs({ limit, beforeSeq }).map(row => {
      const active = this.active.get(row.seq)
      return active === undefined ? this.summaryView(row) : this.view(active)
    })
  }

  /** Throws `JobNotFoundError`, or `JobNotDoneError` saying the job's status. */
  result (id: string): JobResult {
    const stored = typeof id === 'string' ? this.ctx.store.jobResult(id) : undefined
    if (stored === undefined) throw new JobNotFoundError(String(id))
    if (stored.status !== 'done' || stored.result === null) throw new JobNotDoneError(id, stored.status)
    return { type: stored.resultType as JobResult['type'], value: decode(stored.result) }
  }

  /** Finalizes a job whose chunks are all reduced: done with its result, or failed if finalizing throws. */
  finish (job: ActiveJob): void {
    let result: Uint8Array
    try {
      result = encode(job.task.finalize(job.acc, job.params, job.chunks))
    } catch (err) {
      this.end(job, { status: 'failed', finishedAt: this.ctx.now(), error: `finalizing ${job.task.name} failed: ${describeError(err)}` })
      return
    }
    this.end(job, { status: 'done', finishedAt: this.ctx.now(), result, resultType: job.task.resultType })
  }

  /** Ends an active job inside the current write, revoking the leases it still had out. */
  end (job: ActiveJob, end: Omit<JobEnd, 'done'>): JobView {
    const live = this.ctx.store.endJob(job.seq, { ...end, done: job.done })
    this.untrack(job)
    // As `get` shows a finished job from its summary: nothing waits or runs any more.
    const view: JobView = {
      ...this.view(job),
      chunks: { waiting: 0, running: 0, verifying: 0, done: job.done, failed: job.failures },
      status: end.status,
      finishedAt: new Date(end.finishedAt).toISOString()
    }
    if (end.error !== undefined) view.error = end.error
    this.ctx.emit('job', view)
    this.ctx.revoke(live)
    return view
  }

  /**
   * Rebuilds the active jobs from the store, inside a write; a job keeps the pass and durations
   * it had in memory, and a job new to memory starts at `pass`. A job whose task this scheduler
   * lacks fails.
   */
  load (pass: number): void {
    const previous = new Map(this.active)
    this.active.clear()
    this.byId.clear()
    const { maxAttempts } = this.ctx.options
    for (const row of this.ctx.store.activeJobs()) {
      const task = this.tasks.get(row.task)
      const before = previous.get(row.seq)
      const job: ActiveJob = {
        seq: row.seq,
        id: row.id,
        task: task as AnyTask,
        params: decode(row.params),
        chunks: row.chunks,
        nextIndex: row.nextIndex,
        done: row.done,
        waiting: row.waiting,
        verifying: row.verifying,
        failures: row.failures,
        status: row.status as ActiveJob['status'],
        acc: row.acc === null ? undefined : decode(row.acc),
        createdAt: row.createdAt,
        replication: row.replication,
        quorum: row.quorum,
        maxAttempts: resolveMaxAttempts(row, maxAttempts),
        chunkTimeoutMs: row.chunkTimeoutMs,
        priority: row.priority,
        pass: before?.pass ?? pass,
        durations: before?.durations ?? new Durations(DURATION_SAMPLES)
      }
      if (task === undefined) {
        // Written by a coordinator that had this task; this one cannot run or reduce it.
        this.end({ ...job, task: { name: row.task } as AnyTask }, {
          status: 'failed', finishedAt: this.ctx.now(), error: `task ${row.task} is not available`
        })
        continue
      }
      this.track(job)
    }
  }

  /** Chunk copies waiting to be leased, and their task names. */
  pending (): { pending: number, tasks: string[] } {
    const tasks = new Set<string>()
    let pending = 0
    for (const job of this.active.values()) {
      const waiting = job.waiting + job.chunks - job.nextIndex
      if (waiting === 0) continue
      pending += waiting
      tasks.add(job.task.name)
    }
    return { pending, tasks: [...tasks] }
  }

  jobStats (seq: number): JobStats {
    let stats = this.stats.get(seq)
    if (stats === undefined) {
      stats = noStats()
      this.stats.set(seq, stats)
    }
    return stats
  }

  view (job: ActiveJob): JobView {
    return {
      id: job.id,
      task: job.task.name,
      status: job.status,
      progress: { done: job.done, total: job.chunks },
      chunks: {
        waiting: job.waiting + job.chunks - job.nextIndex,
        running: this.ctx.holding.job(job.seq),
        verifying: job.verifying,
        done: job.done,
        failed: job.failures
      },
      options: optionsView({ ...job, maxAttempts: job.maxAttempts }, this.ctx.options.maxAttempts),
      stats: { ...(this.stats.get(job.seq) ?? noStats()) },
      createdAt: new Date(job.createdAt).toISOString()
    }
  }

  private summaryView (row: JobSummary): JobView {
    const view: JobView = {
      id: row.id,
      task: row.task,
      status: row.status,
      progress: { done: row.done, total: row.chunks },
      chunks: { waiting: 0, running: 0, verifying: 0, done: row.done, failed: row.failures },
      options: optionsView(row, this.ctx.options.maxAttempts),
      stats: { ...(this.stats.get(row.seq) ?? noStats()) },
      createdAt: new Date(row.createdAt).toISOString()
    }
    if (row.finishedAt !== null) view.finishedAt = new Date(row.finishedAt).toISOString()
    if (row.error !== null) view.error = row.error
    return view
  }

  /** A job's seq by id; throws `JobNotFoundError`. */
  seqOf (id: string): number {
    return this.find(id)?.seq ?? this.summary(id).seq
  }

  private summary (id: string): JobSummary {
    const row = typeof id === 'string' ? this.ctx.store.job(id) : undefined
    if (row === undefined) throw new JobNotFoundError(String(id))
    return row
  }

  private track (job: ActiveJob): void {
    this.active.set(job.seq, job)
    this.byId.set(job.id, job)
  }

  private untrack (job: ActiveJob): void {
    this.active.delete(job.seq)
    this.byId.delete(job.id)
  }
}

/** A job's counts before any copy was backed up, resumed or transferred. */
function noStats (): JobStats {
  return { backups: 0, backupWins: 0, resumed: 0, transfers: 0 }
}

/** A task's params error becomes a job error naming the same field (`params.to`). */
function invalidParams (err: unknown): InvalidJobError {
  const field = (err as { field?: unknown })?.field
  return new InvalidJobError(typeof field === 'string' ? field : 'params', err instanceof Error ? err.message : String(err))
}
