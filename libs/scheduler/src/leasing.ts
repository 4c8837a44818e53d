import type { Lease, LeaseCheckpoint } from '@cycleshare/protocol'
import { keepCheckpoints } from './checkpoints.js'
import { taskCapability } from '@cycleshare/tasks'
import { decode } from './codec.js'
import type { ActiveJob, SchedulerContext } from './context.js'
import { describeError } from './errors.js'
import { allocateStride, type Candidate } from './fairness.js'
import { newId } from './ids.js'
import { parseLeaseId, type LeaseRef } from './lease-ids.js'
import { leaseMessage } from './lease-message.js'
import { ADAPTIVE, FIRST_EPOCH, type Ballot, type FirstLease, type LeaseBatch } from './store.js'
import { findStragglers, type Straggler, type StragglersContext } from './stragglers.js'
import type { Trust } from './trust.js'
import type { LeaseShare } from './types.js'

type LeasingContext = StragglersContext &
  Pick<SchedulerContext, 'store' | 'options' | 'now' | 'active' | 'holding' | 'emit' | 'workAdded' | 'hold' | 'trace' | 'stats' | 'jobStats' | 'view' | 'end' | 'evaluate'>

/** What a pull gets, decided before anything is written. */
export interface LeasePlan {
  worker: string
  now: number
  /** Chunks to deal from each job, by seq. */
  counts: Map<number, number>
  /** Waiting chunks the worker may take a copy of, by job seq: dealt before fresh ones. */
  waitingFor: Map<number, number[]>
  /** Straggler backups, when the jobs had too little for the pull. */
  backups: Straggler[]
}

/**
 * Leasing: a pull's slots dealt across jobs by stride scheduling (fairness.ts), each job's copies
 * waiting first (going on from a lost copy's checkpoint when it left one) and then fresh chunks
 * from its cursor, opened a batch at a time; straggler backups when nothing else waits; and
 * leases given back unfinished, with their checkpoints.
 */
export class Leasing {
  /** The pass of the last chunk dealt: a job joining or coming back starts no lower. */
  virtualTime = 0

  constructor (private readonly ctx: LeasingContext, private readonly trust: Pick<Trust, 'adaptiveCopies'>) {}

  /**
   * Decides what `worker` gets, from reads alone (most pulls of idle workers find nothing to
   * write); undefined if nothing. The jobs' passes move now.
   */
  plan (worker: string, slots: number, tasks: readonly string[] | undefined, now: number, share?: LeaseShare): LeasePlan | undefined {
    const { store, options } = this.ctx
    const only = tasks === undefined ? undefined : new Set(tasks)
    const candidates: Candidate[] = []
    const waitingFor = new Map<number, number[]>()
    for (const job of this.ctx.active.values()) {
      if (only !== undefined && !only.has(taskCapability(job.task.name))) continue
      const waiting = job.waiting > 0
        ? store.eligibleWaiting(job.seq, worker, now - options.sameWorkerRetryMs, slots)
        : []
      let available = waiting.length + job.chunks - job.nextIndex
      if (share !== undefined) available = Math.min(available, this.fairShare(job, worker, share))
      if (available === 0) continue
      waitingFor.set(job.seq, waiting)
      candidates.push({ key: job.seq, pass: Math.max(job.pass, this.virtualTime), priority: job.priority, available })
    }
    const { counts, passes, last } = allocateStride(candidates, slots)
    let dealt = 0
    for (const count of counts.values()) dealt += count
    const backups = dealt < slots && options.stragglerBackups ? findStragglers(this.ctx, worker, slots - dealt, only, now) : []
    if (counts.size === 0 && backups.length === 0) return undefined
    for (const [seq, pass] of passes) (this.ctx.active.get(seq) as ActiveJob).pass = pass
    if (counts.size > 0) this.virtualTime = last
    return { worker, now, counts, waitingFor, backups }
  }

  /** What `worker` may take of `job` now (LeaseShare says how): never below zero. */
  private fairShare (job: ActiveJob, worker: string, share: LeaseShare): number {
    const { holding } = this.ctx
    const outstanding = job.waiting + job.chunks - job.nextIndex + holding.job(job.seq)
    const threads = Math.max(1, share.threads)
    const part = Math.ceil(outstanding * threads / Math.max(threads, share.threadsFor(job.task.name)))
    return Math.max(0, part - holding.ofJob(worker, job.seq))
  }

  /** Issues what `plan` decided, inside the write. */
  issue ({ worker, now, counts, waitingFor, backups }: LeasePlan): Lease[] {
    const { store } = this.ctx
    const leases: Lease[] = []
    let trust: { valid: number, invalid: number } | undefined
    for (const [seq, count] of counts) {
      const job = this.ctx.active.get(seq) as ActiveJob
      // Copies waiting first: they are the oldest work, and may be what holds a job back from done.
      const retried = (waitingFor.get(seq) as number[]).slice(0, count)
      const fresh = Math.min(count - retried.length, job.chunks - job.nextIndex)
      const inputs = this.inputs(job, retried, fresh)
      if (inputs === undefined) continue
      let i = 0
      for (const index of retried) {
        leases.push(this.issueCopy(job, index, worker, now, inputs[i++], false))
        job.waiting--
      }
      let created = 0
      const firsts: FirstLease[] = []
      for (let index = job.nextIndex; index < job.nextIndex + fresh; index++) {
        let copies = job.replication
        if (copies === ADAPTIVE) {
          trust ??= store.trust(worker) ?? { valid: 0, invalid: 0 }
          copies = this.trust.adaptiveCopies(trust)
        }
        const quorum = job.replication === ADAPTIVE ? copies : job.quorum
        firsts.push({ index, tag: newId(), target: copies, quorum })
        job.waiting += copies - 1
        created += copies - 1
      }
      store.openChunks(this.batch(job, worker, now), firsts)
      this.ctx.hold(worker, job.seq, firsts.length)
      for (let f = 0; f < firsts.length; f++) {
        this.ctx.trace('leased', job, { index: firsts[f].index, attempt: 1 }, worker)
        leases.push(this.lease(job, firsts[f].index, 1, firsts[f].tag, inputs[i + f]))
      }
      job.nextIndex += fresh
      const started = job.status === 'queued'
      job.status = 'running'
      if (started) this.ctx.emit('job', this.ctx.view(job))
      // more copies of the new chunks wait for other workers
      if (created > 0) this.ctx.workAdded()
    }
    for (const { job, index } of backups) {
      let input: unknown
      try {
        input = job.task.chunk(job.params, job.chunks, index)
      } catch {
        continue // it split before; a task that cannot now simply gets no backup
      }
      leases.push(this.issueCopy(job, index, worker, now, input, true))
      this.ctx.jobStats(job.seq).backups++
    }
    return leases
  }

  /**
   * Takes back leases `worker` holds, unfinished (not a failed attempt), inside the write; returns
   * the ids released. The valid checkpoints of those leases are kept on their copies first, for the
   * copies issued after them; invalid ones are dropped.
   */
  release (worker: string, leaseIds: readonly string[], checkpoints: readonly LeaseCheckpoint[]): string[] {
    const { store } = this.ctx
    if (checkpoints.length > 0) {
      const releasing = new Map<string, LeaseRef>()
      for (const leaseId of leaseIds) {
        const lease = parseLeaseId(leaseId)
        if (lease !== undefined) releasing.set(leaseId, lease)
      }
      // A checkpoint is kept only on a live lease `worker` holds: exactly the ones released below.
      keepCheckpoints(this.ctx, worker, checkpoints, releasing)
    }
    const released: string[] = []
    for (const leaseId of leaseIds) {
      const lease = parseLeaseId(leaseId)
      const job = lease === undefined ? undefined : this.ctx.active.get(lease.jobSeq)
      if (lease === undefined || job === undefined || !store.loseLease(lease, worker)) continue
      this.ctx.hold(worker, job.seq, -1)
      this.ctx.trace('lost', job, lease, worker)
      this.ctx.stats.count('reissued')
      this.ctx.evaluate(job, lease.index, store.ballot(job.seq, lease.index) as Ballot)
      released.push(leaseId)
    }
    return released
  }

  /** A new job's pass: level with the jobs that have work, so it neither waits behind them nor jumps them. */
  startingPass (): number {
    let min = Number.POSITIVE_INFINITY
    for (const job of this.ctx.active.values()) {
      if (job.waiting + job.chunks - job.nextIndex > 0) min = Math.min(min, job.pass)
    }
    return Math.max(this.virtualTime, min === Number.POSITIVE_INFINITY ? this.virtualTime : min)
  }

  private issueCopy (job: ActiveJob, index: number, worker: string, now: number, input: unknown, backup: boolean): Lease {
    const tag = newId()
    const { attempt, checkpoint } = this.ctx.store.issueCopy({ ...this.batch(job, worker, now), index, tag, backup })
    this.ctx.hold(worker, job.seq, 1)
    this.ctx.trace('leased', job, { index, attempt }, worker)
    const lease = this.lease(job, index, attempt, tag, input)
    if (checkpoint !== null) {
      lease.resume = decode(checkpoint)
      this.ctx.jobStats(job.seq).resumed++
    }
    return lease
  }

  private batch (job: ActiveJob, worker: string, now: number): LeaseBatch {
    const ttlMs = this.ctx.options.leaseTtlMs
    const overrunAt = job.chunkTimeoutMs === null ? null : now + 2 * job.chunkTimeoutMs + ttlMs
    const deadline = overrunAt === null ? now + ttlMs : Math.min(now + ttlMs, overrunAt)
    return { jobSeq: job.seq, worker, leasedAt: now, deadline, overrunAt }
  }

  private lease (job: ActiveJob, index: number, attempt: number, tag: string, input: unknown): Lease {
    return leaseMessage(job, { jobSeq: job.seq, index, attempt, tag }, input, FIRST_EPOCH, this.ctx.options.leaseTtlMs)
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
      this.ctx.end(job, { status: 'failed', finishedAt: this.ctx.now(), error: `splitting chunk ${index} of ${job.task.name} failed: ${describeError(err)}` })
      return undefined
    }
  }
}
