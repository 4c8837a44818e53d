import type { ChunkResult } from '@cycleshare/protocol'
import { decode, encode } from './codec.js'
import type { ActiveJob, SchedulerContext } from './context.js'
import { describeError, describeWireError, NOT_HELD } from './errors.js'
import { parseLeaseId, tagOf, type LeaseRef } from './lease-ids.js'
import type { AttemptRef, Ballot, ChunkRow, CopyHead } from './store.js'
import type { CompleteResult } from './types.js'
import { describeConflict, groupVotes, type FailedVote, type Vote } from './votes.js'

type QuorumContext = Pick<SchedulerContext,
  'store' | 'now' | 'active' | 'emit' | 'workAdded' | 'hold' | 'revoke' | 'trace' | 'stats' | 'jobStats' | 'view' | 'end' | 'finish' | 'exclusion' | 'countWorker'>

/**
 * From a report to a decided chunk: each result is checked against its lease (issued, held by
 * the sender, not answered yet), stored as a vote, and when a quorum of a chunk's results agree
 * the agreed output is reduced once, in the same transaction that marks the chunk done. A chunk
 * that cannot decide asks for more copies, or fails its job when it has had all its results.
 */
export class Quorum {
  constructor (private readonly ctx: QuorumContext) {}

  /** Records a batch of results of `worker`'s leases, inside the write. */
  complete (worker: string, results: readonly ChunkResult[]): CompleteResult {
    const { store, active } = this.ctx
    const accepted: string[] = []
    const rejected: CompleteResult['rejected'] = []
    const touched = new Set<ActiveJob>()

    for (const result of results) {
      const leaseId: unknown = result?.leaseId
      if (typeof leaseId !== 'string') {
        rejected.push({ leaseId: String(leaseId), reason: 'malformed outcome' })
        continue
      }
      // Checked for each result: the worker may be excluded half-way through its own batch.
      const exclusion = this.ctx.exclusion(worker)
      if (exclusion !== undefined) {
        rejected.push({ leaseId, reason: `worker excluded: ${exclusion}` })
        continue
      }
      const lease = parseLeaseId(leaseId)
      const state = lease === undefined ? undefined : store.leaseState(lease)
      // Issued only if the chunk's row holds its tag: forged or garbled ids end here.
      if (lease === undefined || state === undefined || lease.attempt > state.chunk.attempt || tagOf(state.chunk.tags, lease.attempt) !== lease.tag) {
        rejected.push({ leaseId, reason: 'unknown lease' })
        continue
      }
      const job = active.get(lease.jobSeq)
      if (job === undefined) {
        rejected.push({ leaseId, reason: `job ${store.jobStatus(lease.jobSeq) ?? 'gone'}` })
        continue
      }
      const { chunk, copy } = state
      // Only the lease's holder may report it: another peer's word about it changes nothing.
      if (copy !== undefined && copy.worker !== worker) {
        rejected.push({ leaseId, reason: NOT_HELD })
        continue
      }
      // Decided already (a resent batch, a copy that lost the race): durable, never reduced again.
      if (chunk.state === 'done') {
        if (copy?.state === 'revoked') this.judgeLate(job, lease, copy, result, chunk.agreed as Uint8Array)
        accepted.push(leaseId)
        continue
      }
      // Answered before (a resent report): counted once.
      if (copy === undefined || copy.state === 'ok' || copy.state === 'failed' || copy.state === 'revoked') {
        accepted.push(leaseId)
        continue
      }
      if (copy.state === 'live') this.ctx.hold(worker, job.seq, -1)
      if (!result.ok) {
        this.fail(job, lease, copy.worker, describeWireError(result.error), chunk)
        accepted.push(leaseId)
        continue
      }
      let output: unknown
      try {
        output = job.task.parseOutput(result.output, job.task.chunk(job.params, job.chunks, lease.index))
      } catch (err) {
        const reason = describeError(err)
        this.fail(job, lease, copy.worker, reason, chunk)
        rejected.push({ leaseId, reason })
        continue
      }
      if (copy.state === 'live') job.durations.add(this.ctx.now() - copy.leasedAt)
      this.ctx.stats.latency(this.ctx.now() - copy.leasedAt)
      this.ctx.trace('ok', job, lease, worker)
      // The worker's word for its CPU time, held to the time it had the lease: credit if the result proves valid.
      const claim = Math.min(result.cpuMs ?? 0, Math.max(0, this.ctx.now() - copy.leasedAt))
      if (this.vote(job, lease, chunk, copy, output, claim)) {
        this.ctx.stats.count('completed')
        accepted.push(leaseId)
        touched.add(job)
      } else {
        rejected.push({ leaseId, reason: 'job failed' })
      }
    }

    for (const job of touched) {
      if (!active.has(job.seq)) continue // finished or failed in this batch: already saved
      store.saveProgress(job.seq, job.done, encode(job.acc))
      this.ctx.emit('job', this.ctx.view(job))
    }
    return { accepted, rejected }
  }

  /** A failed result (ok:false, unreadable, or past its timeout) of an open chunk's copy; `chunk` as read before it. */
  fail (job: ActiveJob, lease: AttemptRef, worker: string, reason: string, chunk: ChunkRow): void {
    const copies = this.ctx.store.recordFailure(lease, encode(reason))
    this.ctx.store.logFailure({ jobSeq: job.seq, index: lease.index, attempt: lease.attempt, worker, error: reason, at: this.ctx.now() })
    job.failures++
    this.ctx.trace('failed', job, lease, worker, reason)
    this.ctx.stats.count('failed')
    this.ctx.countWorker(worker, { failed: 1 })
    this.evaluate(job, lease.index, { chunk: { ...chunk, results: chunk.results + 1, failures: chunk.failures + 1 }, copies }, reason)
  }

  /**
   * After a result that decided nothing, or a copy lost: fails the job if the chunk has had all
   * its results, or else asks for the copies it still needs, so that it keeps its replication
   * and can still reach its quorum.
   */
  evaluate (job: ActiveJob, index: number, { chunk, copies }: Ballot, lastFailure?: string): void {
    const votes: Vote[] = []
    const failed: FailedVote[] = []
    let live = 0
    for (const copy of copies) {
      if (copy.state === 'live') live++
      else if (copy.state === 'ok') votes.push({ worker: copy.worker, output: decode(copy.result as Uint8Array) })
      else if (copy.state === 'failed') failed.push({ worker: copy.worker, reason: String(decode(copy.result as Uint8Array)) })
    }
    const groups = groupVotes(votes, (a, b) => same(job, a, b))
    if (chunk.results >= job.maxAttempts) {
      const error = chunk.quorum === 1 || votes.length === 0
        ? `chunk ${index} of ${job.task.name} failed ${chunk.failures === 1 ? 'once' : `${chunk.failures} times`}: ${lastFailure ?? failed.at(-1)?.reason ?? 'unknown error'}`
        : describeConflict(index, job.task.name, chunk.quorum, chunk.results, groups, failed)
      this.ctx.end(job, { status: 'failed', finishedAt: this.ctx.now(), error })
      return
    }
    const best = groups[0]?.workers.length ?? 0
    const outstanding = Math.max(chunk.target - votes.length, chunk.quorum - best)
    const budget = Math.max(0, job.maxAttempts - chunk.results - live)
    const needed = Math.min(Math.max(0, outstanding - live), budget)
    const waitingSince = needed > chunk.needed ? this.ctx.now() : chunk.waitingSince
    this.ctx.store.needCopies(job.seq, index, { needed, results: chunk.results, failures: chunk.failures, waitingSince })
    job.waiting += needed - chunk.needed
    if (needed > chunk.needed) this.ctx.workAdded()
  }

  /**
   * Stores an ok result of an open chunk and decides the chunk if a quorum now agrees; otherwise
   * issues more copies, or fails the job if the chunk has had all its results. Returns false if
   * the job failed reducing it.
   */
  private vote (job: ActiveJob, lease: LeaseRef, chunk: ChunkRow, copy: CopyHead, output: unknown, claim: number): boolean {
    if (chunk.quorum === 1) return this.decide(job, lease.index, chunk, copy, output, claim, [])
    const results = chunk.results + 1
    const copies = this.ctx.store.recordVote(lease, encode(output), claim)
    const others: Array<Vote & { attempt: number, creditMs: number }> = []
    for (const other of copies) {
      if (other.state === 'ok' && other.attempt !== lease.attempt) {
        others.push({ worker: other.worker, output: decode(other.result as Uint8Array), attempt: other.attempt, creditMs: other.creditMs ?? 0 })
      }
    }
    const agreeing = 1 + others.filter(o => same(job, output, o.output)).length
    if (agreeing >= chunk.quorum) return this.decide(job, lease.index, chunk, copy, output, claim, others)
    if (others.length === 0) job.verifying++ // its first ok result: the chunk now waits for agreement
    this.evaluate(job, lease.index, { chunk: { ...chunk, results }, copies })
    return true
  }

  /**
   * Reduces the agreed output once, marks the chunk done in the same transaction, revokes its
   * copies still out, and counts each result for or against its worker.
   */
  private decide (job: ActiveJob, index: number, chunk: ChunkRow, winner: CopyHead, output: unknown, claim: number, others: Array<Vote & { creditMs: number }>): boolean {
    const { store } = this.ctx
    try {
      job.acc = job.task.reduce(job.acc, output, index, job.params, job.chunks)
    } catch (err) {
      // Answered, so not among the live copies the job's end revokes.
      if (winner.state === 'live') store.recordFailure({ jobSeq: job.seq, index, attempt: winner.attempt }, null)
      // The accumulator may be half-updated: the job cannot be trusted to finish right.
      this.ctx.end(job, { status: 'failed', finishedAt: this.ctx.now(), error: `reducing chunk ${index} of ${job.task.name} failed: ${describeError(err)}` })
      return false
    }
    // The chunk's only copy ever (no retry, no backup, no replica): nothing to revoke, nothing to keep.
    const agreed = chunk.attempt === 1 ? undefined : encode(output)
    this.ctx.revoke(store.decide(job.seq, index, winner.attempt, agreed))
    job.waiting -= chunk.needed
    if (others.length > 0) job.verifying-- // it had ok results waiting for this one
    job.done++
    if (winner.backup === 1) this.ctx.jobStats(job.seq).backupWins++

    // Credit goes with a result that counted: a single copy accepted, or a copy the quorum agreed with.
    if (others.length === 0) {
      this.ctx.countWorker(winner.worker, { accepted: 1, creditMs: claim })
    } else {
      this.ctx.countWorker(winner.worker, { valid: 1, creditMs: claim })
      for (const other of others) this.ctx.countWorker(other.worker, same(job, output, other.output) ? { valid: 1, creditMs: other.creditMs } : { invalid: 1 })
    }
    // counting may have excluded a worker, and its lost copies failed this job
    if (this.ctx.active.has(job.seq) && job.done === job.chunks) this.ctx.finish(job)
    return true
  }

  /** A late result of a copy revoked when its chunk was decided: never reduced, but it tells on its worker. */
  private judgeLate (job: ActiveJob, lease: LeaseRef, copy: CopyHead, result: ChunkResult, agreed: Uint8Array): void {
    this.ctx.store.forgetRevoked(lease)
    if (!result.ok) {
      this.ctx.countWorker(copy.worker, { failed: 1 })
      return
    }
    let output: unknown
    try {
      output = job.task.parseOutput(result.output, job.task.chunk(job.params, job.chunks, lease.index))
    } catch {
      this.ctx.countWorker(copy.worker, { failed: 1 })
      return
    }
    const claim = Math.min(result.cpuMs ?? 0, Math.max(0, this.ctx.now() - copy.leasedAt))
    this.ctx.countWorker(copy.worker, same(job, decode(agreed), output) ? { valid: 1, creditMs: claim } : { invalid: 1 })
  }
}

/** Whether two outputs of a chunk agree: the task's comparison, canonical bytes without one. */
export function same (job: ActiveJob, a: unknown, b: unknown): boolean {
  if (typeof job.task.same === 'function') return job.task.same(a, b)
  return encode(a).equals(encode(b))
}
