import { decode, encode } from './codec.js'
import { DURATION_SAMPLES, defaultSchedulerInit } from './constants.js'
import { Durations } from './durations.js'
import { Emitter } from './emitter.js'
import { InvalidJobError, JobNotDoneError, JobNotFoundError, UnknownTaskError } from './errors.js'
import { allocateStride, type Candidate } from './fairness.js'
import { newId } from './ids.js'
import { optionsView, parseJobOptions, resolveMaxAttempts } from './job-options.js'
import { formatLeaseId, parseLeaseId, tagOf, type LeaseRef } from './lease-ids.js'
import { ADAPTIVE, type ChunkRow, type CopyHead, type FirstLease, type JobEnd, type LeaseBatch, type JobRow, type LiveLease, type SchedulerStore, type TrustDelta, type WorkerStats } from './store.js'
import { describeConflict, groupVotes, type FailedVote, type Vote } from './votes.js'
import type { AnyTask } from '@cycleshare/tasks'
import type {
  ChunkOutcome, CompleteResult, JobRequest, JobResult, JobStats, JobView, LeaseGrant, RenewResult, SchedulerEvents
} from './types.js'

export interface SchedulerComponents {
  store: SchedulerStore
  /** The tasks jobs may name, by name. */
  tasks: ReadonlyMap<string, AnyTask>
  /** Milliseconds since the epoch. */
  clock?: () => number
  /** A number in [0, 1): adaptive replication's spot checks. */
  random?: () => number
}

export interface SchedulerInit {
  /**
   * How long a worker holds a chunk without renewing before it is reissued.
   * @defaultValue 30_000
   */
  leaseTtlMs?: number
  /**
   * Results (failed ones included) of one chunk before its job fails; a job's own default is
   * `max(maxAttempts, replication + 2)`.
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
  /**
   * How long a chunk that failed on a worker waits for another taker before that worker may retry it.
   * @defaultValue 5_000
   */
  sameWorkerRetryMs?: number
  /**
   * Times a worker may be outvoted before it is excluded.
   * @defaultValue 3
   */
  excludeAfterInvalid?: number
  /**
   * Valid results (and none invalid) that make a worker trusted for adaptive replication.
   * @defaultValue 10
   */
  trustAfter?: number
  /**
   * The lowest rate at which a trusted worker's single copies are spot-checked (0 to 1).
   * @defaultValue 0.05
   */
  minSpotCheck?: number
  /**
   * A chunk running at least this long may get a straggler backup copy.
   * @defaultValue 1_000
   */
  backupMinMs?: number
  /**
   * A chunk running longer than this many times its job's median chunk time may get a backup copy.
   * @defaultValue 2
   */
  backupFactor?: number
  /**
   * Whether slow chunks get backup copies at all.
   * @defaultValue true
   */
  stragglerBackups?: boolean
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
  /**
   * Leases up to `slots` chunk copies, shared across jobs by priority, of the given task names only
   * (all if omitted); with nothing waiting, straggler backups. An excluded worker gets nothing.
   */
  lease(worker: string, slots: number, tasks?: readonly string[]): LeaseGrant[]
  /** Records a batch of results in one transaction: durable before this returns. */
  complete(worker: string, outcomes: ChunkOutcome[]): CompleteResult
  /** Extends the leases `worker` holds that are still live; the others are lost. */
  renew(worker: string, leaseIds: string[]): RenewResult
  /** Takes back leases unfinished (not a failed attempt); returns the ids released. */
  release(worker: string, leaseIds: string[]): string[]
  /**
   * Reissues the leases expired at `now`, and counts copies that outlived their chunk timeout as
   * failed; returns how many. The timer runs this too.
   */
  expire(now?: number): number
  /** Chunk copies waiting to be leased, and their task names. */
  pending(): { pending: number, tasks: string[] }
  workerStats(): WorkerStats[]
  /** Why a worker is excluded, or undefined if it is not (from memory: cheap). */
  exclusion(worker: string): string | undefined
  /**
   * Live leases `worker` holds: the one count of them (from memory: cheap). Every change comes
   * with a `held` event, expiry and release included.
   */
  held(worker: string): number
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
  /** Copies waiting to be issued, over all its open chunks. */
  waiting: number
  status: 'queued' | 'running'
  acc: unknown
  createdAt: number
  /** `ADAPTIVE` (0) or the copies of each chunk. */
  replication: number
  quorum: number
  maxAttempts: number
  chunkTimeoutMs: number | null
  priority: number
  /** Stride scheduling's pass: the job with the smallest gets the next chunk. */
  pass: number
  durations: Durations
}

type Options = Required<SchedulerInit>
type Event = { [E in keyof SchedulerEvents]: [E, ...Parameters<SchedulerEvents[E]>] }[keyof SchedulerEvents]

export function createScheduler (components: SchedulerComponents, init: SchedulerInit = {}): Scheduler {
  return new DefaultScheduler(components, validateInit(init))
}

const POSITIVE = ['leaseTtlMs', 'maxAttempts', 'maxChunks', 'expireIntervalMs', 'excludeAfterInvalid', 'trustAfter', 'backupMinMs'] as const

function validateInit (init: SchedulerInit): Options {
  if (init === null || typeof init !== 'object') throw new TypeError('options must be an object')
  const options = { ...defaultSchedulerInit, ...init }
  for (const key of POSITIVE) {
    const value = options[key]
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`options.${key} must be a positive integer`)
  }
  if (!Number.isSafeInteger(options.sameWorkerRetryMs) || options.sameWorkerRetryMs < 0) {
    throw new RangeError('options.sameWorkerRetryMs must be a non-negative integer')
  }
  if (typeof options.minSpotCheck !== 'number' || !(options.minSpotCheck >= 0 && options.minSpotCheck <= 1)) {
    throw new RangeError('options.minSpotCheck must be a number from 0 to 1')
  }
  if (typeof options.backupFactor !== 'number' || !Number.isFinite(options.backupFactor) || options.backupFactor <= 0) {
    throw new RangeError('options.backupFactor must be a positive number')
  }
  if (typeof options.stragglerBackups !== 'boolean') throw new TypeError('options.stragglerBackups must be a boolean')
  return options
}

class DefaultScheduler implements Scheduler {
  private readonly store: SchedulerStore
  private readonly tasks: ReadonlyMap<string, AnyTask>
  private readonly clock: () => number
  private readonly random: () => number
  private readonly options: Options
  private readonly emitter = new Emitter()
  /** Oldest first: Map keeps insertion order and new jobs get the largest seq. */
  private active = new Map<number, ActiveJob>()
  private activeById = new Map<string, ActiveJob>()
  /** Excluded workers and why: every pull and report checks this. */
  private excluded = new Map<string, string>()
  /** Live leases per worker, kept with every change of a copy's state and rebuilt by `load`. */
  private holding = new Map<string, number>()
  /** Workers whose holding changed in the write in progress: one `held` event each after it. */
  private holdingChanged = new Set<string>()
  /** Straggler backups by job seq, since this process started. */
  private readonly stats = new Map<number, JobStats>()
  /** The pass of the last chunk dealt: a job joining or coming back starts no lower. */
  private virtualTime = 0
  /** Events of the write in progress, emitted once it has committed. */
  private queued: Event[] = []
  /** Worker counts of the write in progress, stored at its end. */
  private trustDeltas = new Map<string, TrustDelta>()
  /** Whether the write in progress made copies wait to be leased: one `work` event after it. */
  private moreWork = false
  private timer?: ReturnType<typeof setInterval>

  constructor (components: SchedulerComponents, options: Options) {
    if (components?.store == null) throw new TypeError('components.store is required')
    if (!(components.tasks instanceof Map)) throw new TypeError('components.tasks must be a Map of tasks by name')
    this.store = components.store
    this.tasks = components.tasks
    this.clock = components.clock ?? Date.now
    this.random = components.random ?? Math.random
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
    const options = parseJobOptions(req, this.options.maxAttempts)
    let params: unknown
    let acc: unknown
    try {
      params = task.parseParams(raw, chunks)
      acc = task.init(params, chunks)
    } catch (err) {
      throw invalidParams(err)
    }

    const job: ActiveJob = {
      seq: 0,
      id: newId(),
      task,
      params,
      chunks,
      nextIndex: 0,
      done: 0,
      waiting: 0,
      status: 'queued',
      acc,
      createdAt: this.clock(),
      replication: options.replication,
      quorum: options.quorum,
      maxAttempts: resolveMaxAttempts(options, this.options.maxAttempts),
      chunkTimeoutMs: options.chunkTimeoutMs,
      priority: options.priority,
      pass: this.startingPass(),
      durations: new Durations(DURATION_SAMPLES)
    }
    this.write(() => {
      job.seq = this.store.insertJob({
        id: job.id, task: name, params: encode(params), chunks, acc: encode(acc), createdAt: job.createdAt, ...options
      })
      this.track(job)
      this.queued.push(['job', this.activeView(job)])
      this.moreWork = true
    })
    return this.activeView(job)
  }

  get (id: string): JobView {
    const job = this.activeById.get(id)
    if (job !== undefined) return this.activeView(job)
    return this.rowView(this.row(id))
  }

  list (): JobView[] {
    return this.store.jobs().map(row => this.rowView(row))
  }

  result (id: string): JobResult {
    const row = this.row(id)
    if (row.status !== 'done' || row.result === null) throw new JobNotDoneError(id, row.status)
    return { type: row.resultType as JobResult['type'], value: decode(row.result) }
  }

  cancel (id: string): JobView {
    const job = this.activeById.get(id)
    if (job === undefined) return this.rowView(this.row(id))
    return this.write(() => this.end(job, { status: 'cancelled', finishedAt: this.clock() }))
  }

  // ── leases ─────────────────────────────────────────────────────────────────────────────────

  lease (worker: string, slots: number, tasks?: readonly string[]): LeaseGrant[] {
    checkWorker(worker)
    if (!Number.isSafeInteger(slots) || slots < 0) throw new RangeError('slots must be a non-negative integer')
    if (slots === 0 || this.excluded.has(worker)) return []
    const only = tasks === undefined ? undefined : new Set(tasks)
    const now = this.clock()

    // Reads first, outside any transaction: most pulls of idle workers find nothing to write.
    const candidates: Candidate[] = []
    const waitingFor = new Map<number, number[]>()
    for (const job of this.active.values()) {
      if (only !== undefined && !only.has(job.task.name)) continue
      const waiting = job.waiting > 0
        ? this.store.eligibleWaiting(job.seq, worker, now - this.options.sameWorkerRetryMs, slots)
        : []
      const available = waiting.length + job.chunks - job.nextIndex
      if (available === 0) continue
      waitingFor.set(job.seq, waiting)
      candidates.push({ key: job.seq, pass: Math.max(job.pass, this.virtualTime), priority: job.priority, available })
    }
    const { counts, passes, last } = allocateStride(candidates, slots)
    let dealt = 0
    for (const count of counts.values()) dealt += count
    const backups = dealt < slots && this.options.stragglerBackups ? this.stragglers(worker, slots - dealt, only, now) : []
    if (counts.size === 0 && backups.length === 0) return []
    for (const [seq, pass] of passes) (this.active.get(seq) as ActiveJob).pass = pass
    if (counts.size > 0) this.virtualTime = last

    const grants: LeaseGrant[] = []
    this.write(() => {
      let trust: { valid: number, invalid: number } | undefined
      for (const [seq, count] of counts) {
        const job = this.active.get(seq) as ActiveJob
        // Copies waiting first: they are the oldest work, and may be what holds a job back from done.
        const retried = (waitingFor.get(seq) as number[]).slice(0, count)
        const fresh = Math.min(count - retried.length, job.chunks - job.nextIndex)
        const inputs = this.inputs(job, retried, fresh)
        if (inputs === undefined) continue
        let i = 0
        for (const index of retried) {
          grants.push(this.issue(job, index, worker, now, inputs[i++], false))
          job.waiting--
        }
        let created = 0
        const firsts: FirstLease[] = []
        for (let index = job.nextIndex; index < job.nextIndex + fresh; index++) {
          let copies = job.replication
          if (copies === ADAPTIVE) {
            trust ??= this.store.trust(worker) ?? { valid: 0, invalid: 0 }
            copies = this.adaptiveCopies(trust)
          }
          const quorum = job.replication === ADAPTIVE ? copies : job.quorum
          firsts.push({ index, tag: newId(), target: copies, quorum })
          job.waiting += copies - 1
          created += copies - 1
        }
        this.issueFirst(job, worker, now, firsts, inputs.slice(i), grants)
        job.nextIndex += fresh
        const started = job.status === 'queued'
        job.status = 'running'
        if (fresh > 0 || started) this.store.saveCursor(seq, job.nextIndex, job.status)
        if (started) this.queued.push(['job', this.activeView(job)])
        // more copies of the new chunks wait for other workers
        if (created > 0) this.moreWork = true
      }
      for (const { job, index } of backups) {
        let input: unknown
        try {
          input = job.task.chunk(job.params, job.chunks, index)
        } catch {
          continue // it split before; a task that cannot now simply gets no backup
        }
        grants.push(this.issue(job, index, worker, now, input, true))
        this.jobStats(job.seq).backups++
      }
    }, false) // a lease lost in a power cut is reissued under another tag; its result is then refused
    return grants
  }

  renew (worker: string, leaseIds: string[]): RenewResult {
    checkWorker(worker)
    const now = this.clock()
    const ttlMs = this.options.leaseTtlMs
    const renewed: string[] = []
    const lost: string[] = []
    if (this.excluded.has(worker)) return { renewed, lost: [...leaseIds], ttlMs }
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
        const copy = lease === undefined ? undefined : this.store.copy(lease.jobSeq, lease.index, lease.attempt)
        if (lease === undefined || copy === undefined || copy.state !== 'live' || copy.worker !== worker || copy.tag !== lease.tag) continue
        const job = this.active.get(lease.jobSeq)
        if (job === undefined) continue
        this.store.setCopy(job.seq, lease.index, lease.attempt, 'lost')
        this.hold(worker, -1)
        this.evaluate(job, lease.index, this.store.chunk(job.seq, lease.index) as ChunkRow)
        released.push(leaseId)
      }
    }, false)
    return released
  }

  expire (now: number = this.clock()): number {
    return this.write(() => {
      let expired = 0
      for (const due of this.store.dueCopies(now)) {
        if (due.state === 'revoked') {
          // Its chunk was decided while it ran, and no late result came: nothing left to compare.
          this.store.deleteCopy(due.jobSeq, due.index, due.attempt)
          continue
        }
        expired++
        this.hold(due.worker, -1)
        const job = this.active.get(due.jobSeq)
        if (job === undefined) continue
        const chunk = this.store.chunk(due.jobSeq, due.index) as ChunkRow
        if (due.overrunAt !== null && due.overrunAt <= now) {
          // Renewed past its chunk timeout: the worker did not abort it as it should have.
          const reason = `TaskTimeoutError: chunk ran past its timeout of ${job.chunkTimeoutMs ?? 0} ms`
          this.fail(job, due.index, chunk, due.attempt, due.worker, reason)
        } else {
          this.store.setCopy(due.jobSeq, due.index, due.attempt, 'lost')
          this.evaluate(job, due.index, chunk)
        }
      }
      return expired
    }, false)
  }

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

  workerStats (): WorkerStats[] {
    return this.store.workerStats()
  }

  exclusion (worker: string): string | undefined {
    return this.excluded.get(worker)
  }

  held (worker: string): number {
    return this.holding.get(worker) ?? 0
  }

  // ── results ────────────────────────────────────────────────────────────────────────────────

  complete (worker: string, outcomes: ChunkOutcome[]): CompleteResult {
    checkWorker(worker)
    const accepted: string[] = []
    const rejected: CompleteResult['rejected'] = []
    const touched = new Set<ActiveJob>()

    this.write(() => {
      for (const outcome of outcomes) {
        const leaseId: unknown = outcome?.leaseId
        if (typeof leaseId !== 'string') {
          rejected.push({ leaseId: String(leaseId), reason: 'malformed outcome' })
          continue
        }
        // Checked for each outcome: the worker may be excluded half-way through its own batch.
        const exclusion = this.excluded.get(worker)
        if (exclusion !== undefined) {
          rejected.push({ leaseId, reason: `worker excluded: ${exclusion}` })
          continue
        }
        const lease = parseLeaseId(leaseId)
        const state = lease === undefined ? undefined : this.store.leaseState(lease)
        // Issued only if the chunk's row holds its tag: forged or garbled ids end here.
        if (lease === undefined || state === undefined || lease.attempt > state.chunk.attempt || tagOf(state.chunk.tags, lease.attempt) !== lease.tag) {
          rejected.push({ leaseId, reason: 'unknown lease' })
          continue
        }
        const job = this.active.get(lease.jobSeq)
        if (job === undefined) {
          rejected.push({ leaseId, reason: `job ${this.store.jobStatus(lease.jobSeq) ?? 'gone'}` })
          continue
        }
        const { chunk, copy } = state
        // Only the lease's holder may report it: another peer's word about it changes nothing.
        if (copy !== undefined && copy.worker !== worker) {
          rejected.push({ leaseId, reason: 'not the holder of this lease' })
          continue
        }
        // Decided already (a resent batch, a copy that lost the race): durable, never reduced again.
        if (chunk.state === 'done') {
          if (copy?.state === 'revoked') this.judgeLate(job, lease, copy, outcome, chunk.agreed as Uint8Array)
          accepted.push(leaseId)
          continue
        }
        // Answered before (a resent report): counted once.
        if (copy === undefined || copy.state === 'ok' || copy.state === 'failed' || copy.state === 'revoked') {
          accepted.push(leaseId)
          continue
        }
        if (copy.state === 'live') this.hold(worker, -1)
        if (!outcome.ok) {
          this.fail(job, lease.index, chunk, lease.attempt, copy.worker, describeWire(outcome.error))
          accepted.push(leaseId)
          continue
        }
        let output: unknown
        try {
          output = job.task.parseOutput(outcome.output, job.task.chunk(job.params, job.chunks, lease.index))
        } catch (err) {
          const reason = describe(err)
          this.fail(job, lease.index, chunk, lease.attempt, copy.worker, reason)
          rejected.push({ leaseId, reason })
          continue
        }
        if (copy.state === 'live') job.durations.add(this.clock() - copy.leasedAt)
        if (this.vote(job, lease, chunk, copy, output)) {
          accepted.push(leaseId)
          touched.add(job)
        } else {
          rejected.push({ leaseId, reason: 'job failed' })
        }
      }

      for (const job of touched) {
        if (!this.active.has(job.seq)) continue // finished or failed in this batch: already saved
        this.store.saveProgress(job.seq, job.done, encode(job.acc))
        this.queued.push(['job', this.activeView(job)])
      }
    })
    return { accepted, rejected }
  }

  /**
   * Stores an ok result of an open chunk and decides the chunk if a quorum now agrees; otherwise
   * issues more copies, or fails the job if the chunk has had all its results. Returns false if
   * the job failed reducing it.
   */
  private vote (job: ActiveJob, lease: LeaseRef, chunk: ChunkRow, copy: CopyHead, output: unknown): boolean {
    if (chunk.quorum === 1) return this.decide(job, lease.index, chunk, copy, output, [])
    const results = chunk.results + 1
    this.store.setCopy(job.seq, lease.index, lease.attempt, 'ok', encode(output))
    const copies = this.store.copies(job.seq, lease.index)
    const others: Array<Vote & { attempt: number }> = []
    for (const other of copies) {
      if (other.state === 'ok' && other.attempt !== lease.attempt) {
        others.push({ worker: other.worker, output: decode(other.result as Uint8Array), attempt: other.attempt })
      }
    }
    const agreeing = 1 + others.filter(o => this.same(job, output, o.output)).length
    if (agreeing >= chunk.quorum) return this.decide(job, lease.index, chunk, copy, output, others)
    this.evaluate(job, lease.index, { ...chunk, results }, undefined, copies)
    return true
  }

  /**
   * Reduces the agreed output once, marks the chunk done in the same transaction, revokes its
   * copies still out, and counts each result for or against its worker.
   */
  private decide (job: ActiveJob, index: number, chunk: ChunkRow, winner: CopyHead, output: unknown, others: Vote[]): boolean {
    try {
      job.acc = job.task.reduce(job.acc, output, index, job.params, job.chunks)
    } catch (err) {
      // Answered, so not among the live copies the job's end revokes.
      if (winner.state === 'live') this.store.setCopy(job.seq, index, winner.attempt, 'failed')
      // The accumulator may be half-updated: the job cannot be trusted to finish right.
      this.end(job, { status: 'failed', finishedAt: this.clock(), error: `reducing chunk ${index} of ${job.task.name} failed: ${describe(err)}` })
      return false
    }
    // The chunk's only copy ever (no retry, no backup, no replica): nothing to revoke, nothing to keep.
    const agreed = chunk.attempt === 1 ? undefined : encode(output)
    this.revoke(job.seq, this.store.decide(job.seq, index, winner.attempt, agreed))
    job.waiting -= chunk.needed
    job.done++
    if (winner.backup === 1) this.jobStats(job.seq).backupWins++

    if (others.length === 0) {
      this.countWorker(winner.worker, { accepted: 1 })
    } else {
      this.countWorker(winner.worker, { valid: 1 })
      for (const other of others) this.countWorker(other.worker, this.same(job, output, other.output) ? { valid: 1 } : { invalid: 1 })
    }
    // counting may have excluded a worker, and its lost copies failed this job
    if (this.active.has(job.seq) && job.done === job.chunks) this.finish(job)
    return true
  }

  /** A failed result (ok:false, unreadable, or past its timeout) of an open chunk's copy. */
  private fail (job: ActiveJob, index: number, chunk: ChunkRow, attempt: number, worker: string, reason: string): void {
    this.store.setCopy(job.seq, index, attempt, 'failed', encode(reason))
    this.countWorker(worker, { failed: 1 })
    this.evaluate(job, index, { ...chunk, results: chunk.results + 1, failures: chunk.failures + 1 }, reason)
  }

  /**
   * After a result that decided nothing, or a copy lost: fails the job if the chunk has had all
   * its results, or else asks for the copies it still needs, so that it keeps its replication
   * and can still reach its quorum.
   */
  private evaluate (job: ActiveJob, index: number, chunk: ChunkRow, lastFailure?: string, copies = this.store.copies(job.seq, index)): void {
    const votes: Vote[] = []
    const failed: FailedVote[] = []
    let live = 0
    for (const copy of copies) {
      if (copy.state === 'live') live++
      else if (copy.state === 'ok') votes.push({ worker: copy.worker, output: decode(copy.result as Uint8Array) })
      else if (copy.state === 'failed') failed.push({ worker: copy.worker, reason: String(decode(copy.result as Uint8Array)) })
    }
    const groups = groupVotes(votes, (a, b) => this.same(job, a, b))
    if (chunk.results >= job.maxAttempts) {
      const error = chunk.quorum === 1 || votes.length === 0
        ? `chunk ${index} of ${job.task.name} failed ${chunk.failures} times: ${lastFailure ?? failed.at(-1)?.reason ?? 'unknown error'}`
        : describeConflict(index, job.task.name, chunk.quorum, chunk.results, groups, failed)
      this.end(job, { status: 'failed', finishedAt: this.clock(), error })
      return
    }
    const best = groups[0]?.workers.length ?? 0
    const outstanding = Math.max(chunk.target - votes.length, chunk.quorum - best)
    const budget = Math.max(0, job.maxAttempts - chunk.results - live)
    const needed = Math.min(Math.max(0, outstanding - live), budget)
    const now = this.clock()
    const waitingSince = needed > chunk.needed ? now : chunk.waitingSince
    this.store.updateChunk(job.seq, index, { needed, results: chunk.results, failures: chunk.failures, waitingSince })
    job.waiting += needed - chunk.needed
    if (needed > chunk.needed) this.moreWork = true
  }

  /** A late result of a copy revoked when its chunk was decided: never reduced, but it tells on its worker. */
  private judgeLate (job: ActiveJob, lease: LeaseRef, copy: CopyHead, outcome: ChunkOutcome, agreed: Uint8Array): void {
    this.store.deleteCopy(job.seq, lease.index, lease.attempt)
    if (!outcome.ok) {
      this.countWorker(copy.worker, { failed: 1 })
      return
    }
    let output: unknown
    try {
      output = job.task.parseOutput(outcome.output, job.task.chunk(job.params, job.chunks, lease.index))
    } catch {
      this.countWorker(copy.worker, { failed: 1 })
      return
    }
    this.countWorker(copy.worker, this.same(job, decode(agreed), output) ? { valid: 1 } : { invalid: 1 })
  }

  /**
   * Adds to a worker's record; excludes it once it has been outvoted too often. Counts that cannot
   * exclude wait for the end of the write, one statement per worker rather than per result.
   */
  private countWorker (worker: string, delta: TrustDelta): void {
    if ((delta.invalid ?? 0) === 0) {
      const sum = this.trustDeltas.get(worker) ?? {}
      sum.accepted = (sum.accepted ?? 0) + (delta.accepted ?? 0)
      sum.valid = (sum.valid ?? 0) + (delta.valid ?? 0)
      sum.failed = (sum.failed ?? 0) + (delta.failed ?? 0)
      this.trustDeltas.set(worker, sum)
      return
    }
    const trust = this.store.countWorker(worker, delta)
    if (trust.excluded !== null || trust.invalid < this.options.excludeAfterInvalid) return
    const reason = `outvoted ${trust.invalid} times`
    this.store.exclude(worker, reason)
    this.excluded.set(worker, reason)
    // Its copies still out will never be accepted: reissue them now rather than at their deadline.
    const live = this.store.liveCopiesOf(worker)
    const ids: string[] = []
    for (const copy of live) {
      const job = this.active.get(copy.jobSeq)
      if (job === undefined) continue
      this.store.setCopy(copy.jobSeq, copy.index, copy.attempt, 'lost')
      this.hold(worker, -1)
      ids.push(formatLeaseId({ jobSeq: copy.jobSeq, index: copy.index, attempt: copy.attempt, tag: copy.tag }))
      this.evaluate(job, copy.index, this.store.chunk(copy.jobSeq, copy.index) as ChunkRow)
    }
    if (ids.length > 0) this.queued.push(['revoke', worker, ids])
  }

  /** BOINC's adaptive replication: how many agreeing copies a new chunk first leased to this worker needs. */
  private adaptiveCopies (trust: { valid: number, invalid: number }): number {
    const { trustAfter, minSpotCheck } = this.options
    if (trust.invalid > 0 || trust.valid < trustAfter) return 2
    const spotCheck = Math.max(minSpotCheck, trustAfter / trust.valid)
    return this.random() < spotCheck ? 2 : 1
  }

  /**
   * In-flight chunks of replication-1 jobs that have run much longer than their job's median,
   * slowest first, held by another worker and not backed up yet: `worker` is idle, so a second
   * copy may finish first.
   */
  private stragglers (worker: string, limit: number, only: Set<string> | undefined, now: number): Array<{ job: ActiveJob, index: number }> {
    const found: Array<{ job: ActiveJob, index: number }> = []
    const { backupMinMs, backupFactor } = this.options
    const live = this.store.liveCopies()
    const liveCount = new Map<string, number>()
    for (const copy of live) {
      const key = `${copy.jobSeq}.${copy.index}`
      liveCount.set(key, (liveCount.get(key) ?? 0) + 1)
    }
    for (const copy of live) {
      if (now - copy.leasedAt < backupMinMs) break // oldest first: the rest are younger
      const job = this.active.get(copy.jobSeq)
      if (job === undefined || job.replication !== 1 || copy.worker === worker) continue
      if (only !== undefined && !only.has(job.task.name)) continue
      if (liveCount.get(`${copy.jobSeq}.${copy.index}`) !== 1) continue
      if (now - copy.leasedAt <= Math.max(backupMinMs, backupFactor * job.durations.median())) continue
      const chunk = this.store.chunk(copy.jobSeq, copy.index)
      if (chunk === undefined || chunk.state !== 'open' || chunk.backup === 1 || chunk.needed > 0) continue
      if (this.store.copies(copy.jobSeq, copy.index).some(c => c.worker === worker && c.state !== 'lost')) continue
      found.push({ job, index: copy.index })
      if (found.length === limit) break
    }
    return found
  }

  private issue (job: ActiveJob, index: number, worker: string, now: number, input: unknown, backup: boolean): LeaseGrant {
    const tag = newId()
    const attempt = this.store.issueCopy({ ...this.leaseBatch(job, worker, now), index, tag, backup })
    this.hold(worker, 1)
    return this.grant(job, index, attempt, tag, input)
  }

  /** Chunks leased for the first time, consecutive: their rows and first copies in a few statements. */
  private issueFirst (job: ActiveJob, worker: string, now: number, firsts: FirstLease[], inputs: unknown[], grants: LeaseGrant[]): void {
    this.store.createChunks(this.leaseBatch(job, worker, now), firsts)
    this.hold(worker, firsts.length)
    for (let i = 0; i < firsts.length; i++) grants.push(this.grant(job, firsts[i].index, 1, firsts[i].tag, inputs[i]))
  }

  private leaseBatch (job: ActiveJob, worker: string, now: number): LeaseBatch {
    const ttlMs = this.options.leaseTtlMs
    const overrunAt = job.chunkTimeoutMs === null ? null : now + 2 * job.chunkTimeoutMs + ttlMs
    const deadline = overrunAt === null ? now + ttlMs : Math.min(now + ttlMs, overrunAt)
    return { jobSeq: job.seq, worker, leasedAt: now, deadline, overrunAt }
  }

  private grant (job: ActiveJob, index: number, attempt: number, tag: string, input: unknown): LeaseGrant {
    const grant: LeaseGrant = {
      leaseId: formatLeaseId({ jobSeq: job.seq, index, attempt, tag }),
      jobId: job.id,
      index,
      attempt,
      task: job.task.name,
      input,
      ttlMs: this.options.leaseTtlMs
    }
    if (job.chunkTimeoutMs !== null) grant.timeoutMs = job.chunkTimeoutMs
    return grant
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

  /** Ends an active job inside the current write, revoking the copies it still had out. */
  private end (job: ActiveJob, end: Omit<JobEnd, 'done'>): JobView {
    const live = this.store.endJob(job.seq, { ...end, done: job.done })
    this.untrack(job)
    const view: JobView = { ...this.activeView(job), status: end.status, finishedAt: new Date(end.finishedAt).toISOString() }
    if (end.error !== undefined) view.error = end.error
    this.queued.push(['job', view])
    this.revoke(job.seq, live)
    return view
  }

  private revoke (jobSeq: number, copies: LiveLease[]): void {
    const byWorker = new Map<string, string[]>()
    for (const { index, attempt, tag, worker } of copies) {
      this.hold(worker, -1)
      const leaseId = formatLeaseId({ jobSeq, index, attempt, tag })
      const ids = byWorker.get(worker)
      if (ids === undefined) byWorker.set(worker, [leaseId])
      else ids.push(leaseId)
    }
    for (const [worker, ids] of byWorker) this.queued.push(['revoke', worker, ids])
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────

  /** Whether two outputs of a chunk agree: the task's comparison, canonical bytes without one. */
  private same (job: ActiveJob, a: unknown, b: unknown): boolean {
    if (typeof job.task.same === 'function') return job.task.same(a, b)
    return encode(a).equals(encode(b))
  }

  /** Chunk inputs, waiting indexes first; undefined (and the job failed) if the task cannot split. */
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
      result = this.store.transaction(() => {
        const value = fn()
        for (const [worker, delta] of this.trustDeltas) this.store.countWorker(worker, delta)
        this.trustDeltas.clear()
        return value
      }, durable)
    } catch (err) {
      this.trustDeltas.clear()
      this.store.transaction(() => { this.load() })
      this.queued = []
      this.moreWork = false
      this.holdingChanged.clear()
      throw err
    }
    const events = this.queued
    if (this.moreWork) events.push(['work', this.pendingCount()])
    for (const worker of this.holdingChanged) events.push(['held', worker, this.held(worker)])
    this.holdingChanged.clear()
    this.queued = []
    this.moreWork = false
    for (const [event, ...args] of events) (this.emitter.emit as (e: string, ...a: unknown[]) => void)(event, ...args)
    return result
  }

  private load (): void {
    const passes = new Map([...this.active.values()].map(job => [job.seq, job.pass]))
    const durations = new Map([...this.active.values()].map(job => [job.seq, job.durations]))
    this.active = new Map()
    this.activeById = new Map()
    this.excluded = new Map(this.store.exclusions().map(e => [e.worker, e.reason]))
    this.holding = new Map()
    for (const copy of this.store.liveCopies()) this.holding.set(copy.worker, (this.holding.get(copy.worker) ?? 0) + 1)
    const rows = this.store.activeJobs()
    const waiting = new Map(this.store.waitingCounts().map(r => [r.jobSeq, r.count]))
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
        waiting: waiting.get(row.seq) ?? 0,
        status: row.status as ActiveJob['status'],
        acc: row.acc === null ? undefined : decode(row.acc),
        createdAt: row.createdAt,
        replication: row.replication,
        quorum: row.quorum,
        maxAttempts: resolveMaxAttempts(row, this.options.maxAttempts),
        chunkTimeoutMs: row.chunkTimeoutMs,
        priority: row.priority,
        pass: passes.get(row.seq) ?? this.virtualTime,
        durations: durations.get(row.seq) ?? new Durations(DURATION_SAMPLES)
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

  /** A new job's pass: level with the jobs that have work, so it neither waits behind them nor jumps them. */
  private startingPass (): number {
    let min = Number.POSITIVE_INFINITY
    for (const job of this.active.values()) {
      if (job.waiting + job.chunks - job.nextIndex > 0) min = Math.min(min, job.pass)
    }
    return Math.max(this.virtualTime, min === Number.POSITIVE_INFINITY ? this.virtualTime : min)
  }

  /** Moves a worker's count of live leases; its `held` event follows the write. */
  private hold (worker: string, delta: number): void {
    const held = (this.holding.get(worker) ?? 0) + delta
    if (held <= 0) this.holding.delete(worker)
    else this.holding.set(worker, held)
    this.holdingChanged.add(worker)
  }

  private track (job: ActiveJob): void {
    this.active.set(job.seq, job)
    this.activeById.set(job.id, job)
  }

  private untrack (job: ActiveJob): void {
    this.active.delete(job.seq)
    this.activeById.delete(job.id)
  }

  private jobStats (seq: number): JobStats {
    let stats = this.stats.get(seq)
    if (stats === undefined) {
      stats = { backups: 0, backupWins: 0 }
      this.stats.set(seq, stats)
    }
    return stats
  }

  private pendingCount (): number {
    let pending = 0
    for (const job of this.active.values()) pending += job.waiting + job.chunks - job.nextIndex
    return pending
  }

  private row (id: string): JobRow {
    const row = typeof id === 'string' ? this.store.job(id) : undefined
    if (row === undefined) throw new JobNotFoundError(String(id))
    return row
  }

  private activeView (job: ActiveJob): JobView {
    return {
      id: job.id,
      task: job.task.name,
      status: job.status,
      progress: { done: job.done, total: job.chunks },
      options: optionsView({ ...job, maxAttempts: job.maxAttempts }, this.options.maxAttempts),
      stats: { ...(this.stats.get(job.seq) ?? { backups: 0, backupWins: 0 }) },
      createdAt: new Date(job.createdAt).toISOString()
    }
  }

  private rowView (row: JobRow): JobView {
    const view: JobView = {
      id: row.id,
      task: row.task,
      status: row.status,
      progress: { done: row.done, total: row.chunks },
      options: optionsView(row, this.options.maxAttempts),
      stats: { ...(this.stats.get(row.seq) ?? { backups: 0, backupWins: 0 }) },
      createdAt: new Date(row.createdAt).toISOString()
    }
    if (row.finishedAt !== null) view.finishedAt = new Date(row.finishedAt).toISOString()
    if (row.error !== null) view.error = row.error
    return view
  }
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
