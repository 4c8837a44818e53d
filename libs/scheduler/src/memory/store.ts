import type { LeaseRef } from '../lease-ids.js'
import {
  FIRST_EPOCH, type ActiveJobRecord, type FailureRecord, type FailureRow, type AgedLease, type AttemptRef, type Ballot, type ChunkCounts, type ChunkRow, type CopyRow,
  type DueLease, type FirstLease, type IssuedCopy, type JobEnd, type JobPageQuery, type JobSummary, type LeaseBatch, type LeaseState,
  type LiveLease, type NewCopy, type NewJob, type SchedulerStore, type StoredResult, type TrustDelta, type WorkerStats, type WorkerTrust
} from '../store.js'
import type { JobStatus } from '../types.js'
import { countByStatus, verifyingChunks } from './counts.js'
import { logFailure, readFailures } from './failure-log.js'
import { byChunk, copyRow, key, leaseOf, summary, type Data, type JobRecord, type StoredCopy } from './records.js'
import { finishedBefore, removeJob } from './retention.js'
import { countWorker, sortedWorkers, workerStats } from './workers.js'

/**
 * A `SchedulerStore` in memory: nothing survives the process. For tests, and for a peer that
 * submits a small job and needs no restart. Each outermost transaction copies the state first
 * and restores it if the function throws, so its cost grows with what is stored.
 */
export function createMemoryStore (): SchedulerStore {
  return new MemoryStore()
}

class MemoryStore implements SchedulerStore {
  private data: Data = { lastSeq: 0, jobs: new Map(), chunks: new Map(), copies: new Map(), workers: new Map(), failures: [] }
  private depth = 0

  transaction<T>(fn: () => T, _durable = true): T {
    if (this.depth > 0) return fn()
    const before = structuredClone(this.data)
    this.depth++
    try {
      return fn()
    } catch (err) {
      this.data = before
      throw err
    } finally {
      this.depth--
    }
  }

  // ── jobs ──────────────────────────────────────────────────────────────────────────────────

  addJob (job: NewJob): number {
    const seq = ++this.data.lastSeq
    const { id, task, params, chunks, acc, createdAt, replication, quorum, maxAttempts, chunkTimeoutMs, priority } = job
    this.data.jobs.set(seq, {
      seq, id, task, chunks, done: 0, failures: 0, status: 'queued', error: null, createdAt, finishedAt: null,
      replication, quorum, maxAttempts, chunkTimeoutMs, priority,
      params, acc, result: null, resultType: null, nextIndex: 0
    })
    return seq
  }

  job (id: string): JobSummary | undefined {
    const job = this.byId(id)
    return job === undefined ? undefined : summary(job)
  }

  jobResult (id: string): StoredResult | undefined {
    const job = this.byId(id)
    return job === undefined ? undefined : { status: job.status, result: job.result, resultType: job.resultType }
  }

  jobStatus (seq: number): JobStatus | undefined {
    return this.data.jobs.get(seq)?.status
  }

  jobCounts (): Partial<Record<JobStatus, number>> {
    return countByStatus(this.data)
  }

  listJobs ({ limit, beforeSeq }: JobPageQuery): JobSummary[] {
    const page: JobSummary[] = []
    const seqs = [...this.data.jobs.keys()].sort((a, b) => b - a)
    for (const seq of seqs) {
      if (page.length === limit) break
      if (beforeSeq === undefined || seq < beforeSeq) page.push(summary(this.data.jobs.get(seq) as JobRecord))
    }
    return page
  }

  activeJobs (): ActiveJobRecord[] {
    const active: ActiveJobRecord[] = []
    for (const job of [...this.data.jobs.values()].sort((a, b) => a.seq - b.seq)) {
      if (job.status !== 'queued' && job.status !== 'running') continue
      let waiting = 0
      for (const chunk of this.data.chunks.get(job.seq)?.values() ?? []) waiting += chunk.needed
      active.push({ ...summary(job), params: job.params, acc: job.acc, nextIndex: job.nextIndex, waiting, verifying: verifyingChunks(this.data, job.seq) })
    }
    return active
  }

  finishedBefore (at: number, limit: number): Array<{ seq: number, id: string }> {
    return finishedBefore(this.data, at, limit)
  }

  removeJob (seq: number): void {
    removeJob(this.data, seq)
  }

  saveProgress (seq: number, done: number, acc: Uint8Array): void {
    const job = this.data.jobs.get(seq)
    if (job === undefined) return
    job.done = done
    job.acc = acc
  }

  endJob (seq: number, end: JobEnd): LiveLease[] {
    const live: LiveLease[] = []
    const chunks = this.data.chunks.get(seq)
    for (const [index, chunk] of chunks ?? []) {
      const k = key(seq, index)
      for (const copy of this.data.copies.get(k) ?? []) if (copy.state === 'live') live.push(leaseOf(copy))
      this.data.copies.delete(k)
      if (chunk.state === 'open') chunk.state = 'dropped'
      chunk.needed = 0
      chunk.agreed = null
    }
    const job = this.data.jobs.get(seq)
    if (job !== undefined) {
      Object.assign(job, {
        status: end.status, done: end.done, finishedAt: end.finishedAt, result: end.result ?? null,
        resultType: end.resultType ?? null, error: end.error ?? null, acc: null
      })
    }
    return live.sort(byChunk)
  }

  // ── leases ────────────────────────────────────────────────────────────────────────────────

  openChunks (batch: LeaseBatch, chunks: FirstLease[]): void {
    if (chunks.length === 0) return
    const { jobSeq, worker, leasedAt, deadline, overrunAt } = batch
    let byIndex = this.data.chunks.get(jobSeq)
    if (byIndex === undefined) {
      byIndex = new Map()
      this.data.chunks.set(jobSeq, byIndex)
    }
    for (const { index, tag, target, quorum } of chunks) {
      byIndex.set(index, {
        state: 'open', attempt: 1, tags: tag, target, quorum, needed: target - 1, results: 0, failures: 0,
        waitingSince: leasedAt, backup: 0, agreed: null
      })
      this.data.copies.set(key(jobSeq, index), [{
        jobSeq, index, attempt: 1, tag, worker, state: 'live', epoch: FIRST_EPOCH, backup: 0, leasedAt, deadline, overrunAt, result: null,
        checkpoint: null, creditMs: null
      }])
    }
    const job = this.data.jobs.get(jobSeq)
    if (job !== undefined) {
      job.nextIndex = chunks[0].index + chunks.length
      job.status = 'running'
    }
  }

  eligibleWaiting (jobSeq: number, worker: string, failedBefore: number, limit: number): number[] {
    const found: number[] = []
    const chunks = [...(this.data.chunks.get(jobSeq) ?? [])].sort(([a], [b]) => a - b)
    for (const [index, chunk] of chunks) {
      if (found.length === limit) break
      if (chunk.needed <= 0) continue
      const taken = (this.data.copies.get(key(jobSeq, index)) ?? []).some(c => c.worker === worker &&
        (c.state === 'live' || c.state === 'ok' || (c.state === 'failed' && chunk.waitingSince > failedBefore)))
      if (!taken) found.push(index)
    }
    return found
  }

  issueCopy (copy: NewCopy): IssuedCopy {
    const chunk = this.data.chunks.get(copy.jobSeq)?.get(copy.index)
    if (chunk === undefined || chunk.state !== 'open') throw new Error(`chunk ${copy.index} of job ${copy.jobSeq} is not open`)
    const backup = copy.backup ? 1 : 0
    chunk.attempt++
    chunk.tags += copy.tag
    chunk.needed = Math.max(chunk.needed - 1 + backup, 0)
    chunk.backup = Math.max(chunk.backup, backup)
    const k = key(copy.jobSeq, copy.index)
    const copies = this.data.copies.get(k) ?? []
    // A waiting copy takes over the checkpoint of the newest lost copy that has one (copies are in
    // attempt order); a backup starts from the live copy's, which keeps it.
    const from = copies.findLast(c => c.state === (copy.backup ? 'live' : 'lost') && c.checkpoint !== null)
    const checkpoint = from?.checkpoint ?? null
    if (from !== undefined && !copy.backup) from.checkpoint = null
    copies.push({
      jobSeq: copy.jobSeq, index: copy.index, attempt: chunk.attempt, tag: copy.tag, worker: copy.worker, state: 'live',
      epoch: FIRST_EPOCH, backup, leasedAt: copy.leasedAt, deadline: copy.deadline, overrunAt: copy.overrunAt, result: null, checkpoint, creditMs: null
    })
    this.data.copies.set(k, copies)
    return { attempt: chunk.attempt, checkpoint }
  }

  renew (worker: string, leases: readonly LeaseRef[], now: number, deadline: number): boolean[] {
    return leases.map(lease => {
      const copy = this.copy(lease)
      if (copy === undefined || copy.state !== 'live' || copy.worker !== worker || copy.deadline <= now || copy.tag !== lease.tag) return false
      copy.deadline = Math.min(deadline, copy.overrunAt ?? deadline)
      return true
    })
  }

  saveCheckpoint (worker: string, lease: LeaseRef, checkpoint: Uint8Array): boolean {
    const copy = this.copy(lease)
    if (copy === undefined || copy.state !== 'live' || copy.tag !== lease.tag || copy.worker !== worker) return false
    copy.checkpoint = checkpoint
    return true
  }

  moveLease (lease: LeaseRef, from: string, epoch: number, to: string, now: number, deadline: number): boolean {
    const copy = this.copy(lease)
    if (copy === undefined || copy.state !== 'live' || copy.tag !== lease.tag || copy.worker !== from || copy.epoch !== epoch || copy.deadline <= now) {
      return false
    }
    copy.worker = to
    copy.epoch++
    copy.deadline = Math.min(deadline, copy.overrunAt ?? deadline)
    return true
  }

  loseLease (lease: LeaseRef, holder?: string): boolean {
    const copy = this.copy(lease)
    if (copy === undefined || copy.state !== 'live' || copy.tag !== lease.tag || (holder !== undefined && copy.worker !== holder)) return false
    copy.state = 'lost'
    return true
  }

  dropCheckpoints (worker: string): void {
    for (const copy of this.allCopies()) if (copy.worker === worker) copy.checkpoint = null
  }

  dueLeases (now: number): DueLease[] {
    return this.allCopies()
      .filter(c => (c.state === 'live' || c.state === 'revoked') && c.deadline <= now)
      .sort((a, b) => a.deadline - b.deadline || byChunk(a, b))
      .map(c => ({ ...leaseOf(c), state: c.state as DueLease['state'], overrunAt: c.overrunAt }))
  }

  liveLeases (leasedBy = Number.POSITIVE_INFINITY): AgedLease[] {
    return this.allCopies()
      .filter(c => c.state === 'live' && c.leasedAt <= leasedBy)
      .sort((a, b) => a.leasedAt - b.leasedAt || byChunk(a, b))
      .map(c => ({ ...leaseOf(c), leasedAt: c.leasedAt }))
  }

  leasesHeldBy (worker: string): LiveLease[] {
    return this.allCopies().filter(c => c.state === 'live' && c.worker === worker).sort(byChunk).map(leaseOf)
  }

  extendLive (deadline: number): void {
    for (const copy of this.allCopies()) {
      if (copy.state !== 'live') continue
      copy.deadline = deadline
      // as SQL's max(): a lease with no overrun keeps none
      if (copy.overrunAt !== null) copy.overrunAt = Math.max(copy.overrunAt, deadline)
    }
  }

  // ── results and decisions ─────────────────────────────────────────────────────────────────

  leaseState (lease: AttemptRef): LeaseState | undefined {
    const chunk = this.data.chunks.get(lease.jobSeq)?.get(lease.index)
    if (chunk === undefined) return undefined
    const copy = this.copy(lease)
    return {
      chunk: { ...chunk },
      copy: copy === undefined
        ? undefined
        : { attempt: copy.attempt, worker: copy.worker, state: copy.state, backup: copy.backup, leasedAt: copy.leasedAt }
    }
  }

  ballot (jobSeq: number, index: number): Ballot | undefined {
    const chunk = this.data.chunks.get(jobSeq)?.get(index)
    if (chunk === undefined) return undefined
    return { chunk: { ...chunk }, copies: this.copiesOf(jobSeq, index) }
  }

  recordVote (lease: AttemptRef, output: Uint8Array, creditMs: number): CopyRow[] {
    this.answer(lease, 'ok', output)
    const copy = this.copy(lease)
    if (copy !== undefined) copy.creditMs = creditMs
    return this.copiesOf(lease.jobSeq, lease.index)
  }

  logFailure (failure: FailureRecord): void {
    logFailure(this.data, failure)
  }

  failures (query: { jobSeq?: number, limit: number }): FailureRow[] {
    return readFailures(this.data, query)
  }

  recordFailure (lease: AttemptRef, reason: Uint8Array | null): CopyRow[] {
    this.answer(lease, 'failed', reason)
    return this.copiesOf(lease.jobSeq, lease.index)
  }

  forgetRevoked (lease: AttemptRef): void {
    const k = key(lease.jobSeq, lease.index)
    const copies = this.data.copies.get(k)
    if (copies === undefined) return
    this.data.copies.set(k, copies.filter(c => !(c.attempt === lease.attempt && c.state === 'revoked')))
  }

  needCopies (jobSeq: number, index: number, counts: ChunkCounts): void {
    const chunk = this.data.chunks.get(jobSeq)?.get(index)
    if (chunk === undefined) return
    chunk.needed = counts.needed
    chunk.results = counts.results
    chunk.failures = counts.failures
    chunk.waitingSince = counts.waitingSince
  }

  decide (jobSeq: number, index: number, winner: number, agreed?: Uint8Array): LiveLease[] {
    const chunk = this.data.chunks.get(jobSeq)?.get(index)
    const k = key(jobSeq, index)
    const copies = this.data.copies.get(k) ?? []
    const revoked: LiveLease[] = []
    if (agreed !== undefined) {
      for (const copy of copies) {
        if (copy.state !== 'live' || copy.attempt === winner) continue
        copy.state = 'revoked'
        copy.result = null
        copy.checkpoint = null
        revoked.push(leaseOf(copy))
      }
    }
    if (chunk !== undefined) {
      chunk.state = 'done'
      chunk.needed = 0
      // The agreed output is kept only to judge the late results of revoked copies.
      chunk.agreed = revoked.length > 0 ? (agreed as Uint8Array) : null
    }
    this.data.copies.set(k, agreed === undefined ? copies.filter(c => c.attempt !== winner) : copies.filter(c => c.state === 'revoked'))
    return revoked
  }

  // ── workers ───────────────────────────────────────────────────────────────────────────────

  countWorker (worker: string, delta: TrustDelta): WorkerTrust {
    return countWorker(this.data, worker, delta)
  }

  trust (worker: string): WorkerTrust | undefined {
    const record = this.data.workers.get(worker)
    return record === undefined ? undefined : { valid: record.valid, invalid: record.invalid, excluded: record.excluded }
  }

  exclude (worker: string, reason: string): void {
    const record = this.data.workers.get(worker)
    if (record !== undefined) record.excluded = reason
  }

  exclusions (): Array<{ worker: string, reason: string }> {
    return sortedWorkers(this.data).flatMap(([worker, r]) => r.excluded === null ? [] : [{ worker, reason: r.excluded }])
  }

  workerStats (only?: string): WorkerStats[] {
    return workerStats(this.data, only)
  }

  close (): void {}

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  private byId (id: string): JobRecord | undefined {
    for (const job of this.data.jobs.values()) if (job.id === id) return job
    return undefined
  }

  private copy ({ jobSeq, index, attempt }: AttemptRef): StoredCopy | undefined {
    return this.data.copies.get(key(jobSeq, index))?.find(c => c.attempt === attempt)
  }

  private copiesOf (jobSeq: number, index: number): CopyRow[] {
    return (this.data.copies.get(key(jobSeq, index)) ?? []).map(copyRow)
  }

  private allCopies (): StoredCopy[] {
    return [...this.data.copies.values()].flat()
  }

  private answer (lease: AttemptRef, state: 'ok' | 'failed', result: Uint8Array | null): void {
    const copy = this.copy(lease)
    if (copy === undefined) return
    copy.state = state
    copy.result = result
    copy.checkpoint = null
  }

}
