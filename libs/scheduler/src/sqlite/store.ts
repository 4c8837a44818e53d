import { Database, type Statement, type Transaction } from './driver.js'
import { SQLITE_BUSY_TIMEOUT_MS } from '../constants.js'
import type { LeaseRef } from '../lease-ids.js'
import type {
  ActiveJobRecord, AgedLease, FailureRecord, FailureRow, AttemptRef, Ballot, ChunkCounts, ChunkRow, ChunkState, CopyRow, CopyState, DueLease, FirstLease,
  IssuedCopy, JobEnd, JobPageQuery, JobSummary, LeaseBatch, LeaseState, LiveLease, NewCopy, NewJob, SchedulerStore, StoredResult,
  TrustDelta, WorkerStats, WorkerTrust
} from '../store.js'
import type { JobStatus } from '../types.js'
import { migrate } from './migrate.js'
import { MultiInsert } from './multi-insert.js'
import { prepareStatements, type Statements } from './statements.js'

/**
 * Opens (creating if needed) the scheduler's SQLite database at `path`, or in memory for
 * `':memory:'`. WAL with `synchronous = FULL`: a committed result survives a power cut, and
 * readers never block the writer.
 */
export function openSqliteStore (path: string): SchedulerStore {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a file path or ":memory:"')
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
    // Sorts of the copies table (it has no indexes: see schema.ts) stay off the disk.
    db.pragma('temp_store = MEMORY')
    migrate(db)
    return new SqliteStore(db)
  } catch (err) {
    db.close()
    throw err
  }
}

type Row = Record<string, unknown>


class SqliteStore implements SchedulerStore {
  private readonly db: Database
  private readonly stmt: Statements
  private readonly run: Transaction<(fn: () => unknown) => unknown>
  private readonly syncFull: Statement
  private readonly syncNormal: Statement
  private readonly insertChunks: MultiInsert

  constructor (db: Database) {
    this.db = db
    this.stmt = prepareStatements(db)
    this.run = db.transaction((fn: () => unknown) => fn())
    this.syncFull = db.prepare('PRAGMA synchronous = FULL')
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL')
    this.insertChunks = new MultiInsert(db,
      'INSERT INTO chunks (job_seq, idx, state, attempt, tags, target, quorum, needed, waiting_since) VALUES',
      "(?, ?, 'open', 1, ?, ?, ?, ?, ?)", 7)
  }

  transaction<T>(fn: () => T, durable = true): T {
    if (this.db.inTransaction) return fn()
    // IMMEDIATE takes the write lock up front: a second connection on the same file waits
    // (busy_timeout) instead of failing half-way when its read transaction tries to upgrade.
    if (durable) return this.run.immediate(fn) as T
    // In WAL mode NORMAL skips the fsync at commit; the WAL stays in order, and the next FULL
    // commit's fsync carries these frames too. Half the fsyncs when workers pull small batches.
    this.syncNormal.run()
    try {
      return this.run.immediate(fn) as T
    } finally {
      this.syncFull.run()
    }
  }

  // ── jobs ──────────────────────────────────────────────────────────────────────────────────

  addJob (job: NewJob): number {
    return Number(this.stmt.addJob.run(job).lastInsertRowid)
  }

  finishedBefore (at: number, limit: number): Array<{ seq: number, id: string }> {
    return this.stmt.finishedBefore.all(at, limit) as Array<{ seq: number, id: string }>
  }

  removeJob (seq: number): void {
    for (const stmt of [this.stmt.dropCopies, this.stmt.removeChunks, this.stmt.removeFailures, this.stmt.removeJob]) stmt.run(seq)
    this.stmt.rememberRemoved.run(seq)
  }

  job (id: string): JobSummary | undefined {
    return this.stmt.job.get(id) as JobSummary | undefined
  }

  jobResult (id: string): StoredResult | undefined {
    return this.stmt.jobResult.get(id) as StoredResult | undefined
  }

  jobStatus (seq: number): JobStatus | undefined {
    return this.stmt.jobStatus.get(seq) as JobStatus | undefined
  }

  jobCounts (): Partial<Record<JobStatus, number>> {
    const counts: Partial<Record<JobStatus, number>> = {}
    for (const { status, count } of this.stmt.jobCounts.all() as Array<{ status: JobStatus, count: number }>) counts[status] = count
    return counts
  }

  listJobs ({ limit, beforeSeq }: JobPageQuery): JobSummary[] {
    const rows = beforeSeq === undefined ? this.stmt.listJobs.all(limit) : this.stmt.listJobsBefore.all(beforeSeq, limit)
    return rows as JobSummary[]
  }

  activeJobs (): ActiveJobRecord[] {
    const waiting = new Map((this.stmt.waitingCounts.all() as Array<{ jobSeq: number, count: number }>).map(r => [r.jobSeq, r.count]))
    const verifying = new Map((this.stmt.verifyingCounts.all() as Array<{ jobSeq: number, count: number }>).map(r => [r.jobSeq, r.count]))
    const rows = this.stmt.activeJobs.all() as ActiveJobRecord[]
    for (const row of rows) {
      row.waiting = waiting.get(row.seq) ?? 0
      row.verifying = verifying.get(row.seq) ?? 0
    }
    return rows
  }

  saveProgress (seq: number, done: number, acc: Uint8Array): void {
    this.stmt.saveProgress.run(done, acc, seq)
  }

  endJob (seq: number, end: JobEnd): LiveLease[] {
    const live = this.stmt.liveOfJob.all(seq) as LiveLease[]
    this.stmt.dropCopies.run(seq)
    this.stmt.dropChunks.run(seq)
    this.stmt.endJob.run({
      seq,
      status: end.status,
      done: end.done,
      finishedAt: end.finishedAt,
      result: end.result ?? null,
      resultType: end.resultType ?? null,
      error: end.error ?? null
    })
    return live
  }

  // ── leases ────────────────────────────────────────────────────────────────────────────────

  openChunks (batch: LeaseBatch, chunks: FirstLease[]): void {
    if (chunks.length === 0) return
    const { jobSeq, worker, leasedAt, deadline, overrunAt } = batch
    const values: unknown[] = []
    for (const { index, tag, target, quorum } of chunks) values.push(jobSeq, index, tag, target, quorum, target - 1, leasedAt)
    this.insertChunks.run(values)
    const from = chunks[0].index
    this.stmt.firstCopies.run(worker, leasedAt, deadline, overrunAt, jobSeq, from, from + chunks.length)
    this.stmt.advanceCursor.run(from + chunks.length, jobSeq)
  }

  eligibleWaiting (jobSeq: number, worker: string, failedBefore: number, limit: number): number[] {
    return this.stmt.eligibleWaiting.all({ jobSeq, worker, failedBefore, limit }) as number[]
  }

  issueCopy (copy: NewCopy): IssuedCopy {
    const backup = copy.backup ? 1 : 0
    const attempt = this.stmt.nextAttempt.get(copy.tag, backup, backup, copy.jobSeq, copy.index) as number | undefined
    if (attempt === undefined) throw new Error(`chunk ${copy.index} of job ${copy.jobSeq} is not open`)
    let checkpoint: Uint8Array | null = null
    if (copy.backup) {
      checkpoint = (this.stmt.liveCheckpoint.get(copy.jobSeq, copy.index) as Uint8Array | undefined) ?? null
    } else {
      const lost = this.stmt.lostCheckpoint.get(copy.jobSeq, copy.index) as [number, Uint8Array] | undefined
      if (lost !== undefined) {
        this.stmt.clearCheckpoint.run(copy.jobSeq, copy.index, lost[0])
        checkpoint = lost[1]
      }
    }
    this.stmt.insertCopy.run(
      copy.jobSeq, copy.index, attempt, copy.tag, copy.worker, backup, copy.leasedAt, copy.deadline, copy.overrunAt, checkpoint
    )
    return { attempt, checkpoint }
  }

  renew (worker: string, leases: readonly LeaseRef[], now: number, deadline: number): boolean[] {
    return leases.map(lease => this.stmt.renew.run({ ...lease, worker, now, deadline }).changes === 1)
  }

  saveCheckpoint (worker: string, lease: LeaseRef, checkpoint: Uint8Array): boolean {
    const { jobSeq, index, attempt, tag } = lease
    return this.stmt.saveCheckpoint.run({ jobSeq, index, attempt, tag, worker, checkpoint }).changes === 1
  }

  moveLease (lease: LeaseRef, from: string, epoch: number, to: string, now: number, deadline: number): boolean {
    const { jobSeq, index, attempt, tag } = lease
    return this.stmt.moveLease.run({ jobSeq, index, attempt, tag, from, epoch, to, now, deadline }).changes === 1
  }

  loseLease (lease: LeaseRef, holder?: string): boolean {
    const { jobSeq, index, attempt, tag } = lease
    return this.stmt.loseLease.run({ jobSeq, index, attempt, tag, holder: holder ?? null }).changes === 1
  }

  dropCheckpoints (worker: string): void {
    this.stmt.dropCheckpoints.run(worker)
  }

  dueLeases (now: number): DueLease[] {
    return this.stmt.dueLeases.all(now) as DueLease[]
  }

  liveLeases (leasedBy?: number): AgedLease[] {
    return (leasedBy === undefined ? this.stmt.liveLeases.all() : this.stmt.liveLeasesBy.all(leasedBy)) as AgedLease[]
  }

  leasesHeldBy (worker: string): LiveLease[] {
    return this.stmt.leasesHeldBy.all(worker) as LiveLease[]
  }

  extendLive (deadline: number): void {
    this.stmt.extendLive.run({ deadline })
  }

  // ── results and decisions ─────────────────────────────────────────────────────────────────

  leaseState ({ jobSeq, index, attempt }: AttemptRef): LeaseState | undefined {
    const r = this.stmt.leaseState.get(attempt, jobSeq, index) as unknown[] | undefined
    if (r === undefined) return undefined
    return {
      chunk: {
        state: r[0] as ChunkState,
        attempt: r[1] as number,
        tags: r[2] as string,
        target: r[3] as number,
        quorum: r[4] as number,
        needed: r[5] as number,
        results: r[6] as number,
        failures: r[7] as number,
        waitingSince: r[8] as number,
        backup: r[9] as number,
        agreed: r[10] as Uint8Array | null
      },
      copy: r[11] === null
        ? undefined
        : { attempt, state: r[11] as CopyState, worker: r[12] as string, backup: r[13] as number, leasedAt: r[14] as number }
    }
  }

  ballot (jobSeq: number, index: number): Ballot | undefined {
    const chunk = this.stmt.chunk.get(jobSeq, index) as ChunkRow | undefined
    if (chunk === undefined) return undefined
    return { chunk, copies: this.stmt.copies.all(jobSeq, index) as CopyRow[] }
  }

  recordVote ({ jobSeq, index, attempt }: AttemptRef, output: Uint8Array, creditMs: number): CopyRow[] {
    this.stmt.vote.run(output, creditMs, jobSeq, index, attempt)
    return this.stmt.copies.all(jobSeq, index) as CopyRow[]
  }

  logFailure ({ jobSeq, index, attempt, worker, error, at }: FailureRecord): void {
    if (this.stmt.logFailure.run(jobSeq, index, attempt, worker, error, at).changes === 1) this.stmt.countFailure.run(jobSeq)
  }

  failures ({ jobSeq, limit }: { jobSeq?: number, limit: number }): FailureRow[] {
    return (jobSeq === undefined ? this.stmt.recentFailures.all(limit) : this.stmt.failuresOfJob.all(jobSeq, limit)) as FailureRow[]
  }

  recordFailure ({ jobSeq, index, attempt }: AttemptRef, reason: Uint8Array | null): CopyRow[] {
    this.stmt.answer.run('failed', reason, jobSeq, index, attempt)
    return this.stmt.copies.all(jobSeq, index) as CopyRow[]
  }

  forgetRevoked ({ jobSeq, index, attempt }: AttemptRef): void {
    this.stmt.forgetRevoked.run(jobSeq, index, attempt)
  }

  needCopies (jobSeq: number, index: number, counts: ChunkCounts): void {
    this.stmt.needCopies.run({ ...counts, jobSeq, index })
  }

  decide (jobSeq: number, index: number, winner: number, agreed?: Uint8Array): LiveLease[] {
    if (agreed === undefined) {
      this.stmt.markDone.run(null, jobSeq, index)
      this.stmt.deleteCopy.run(jobSeq, index, winner)
      return []
    }
    const revoked = this.stmt.revokeLive.all(jobSeq, index, winner) as LiveLease[]
    // The agreed output is kept only to judge the late results of revoked copies.
    this.stmt.markDone.run(revoked.length > 0 ? agreed : null, jobSeq, index)
    this.stmt.forgetAnswered.run(jobSeq, index)
    return revoked
  }

  // ── workers ───────────────────────────────────────────────────────────────────────────────

  countWorker (worker: string, delta: TrustDelta): WorkerTrust {
    return this.stmt.countWorker.get(
      worker, delta.accepted ?? 0, delta.valid ?? 0, delta.invalid ?? 0, delta.failed ?? 0, delta.creditMs ?? 0, delta.at ?? 0
    ) as WorkerTrust
  }

  trust (worker: string): WorkerTrust | undefined {
    return this.stmt.trust.get(worker) as WorkerTrust | undefined
  }

  exclude (worker: string, reason: string): void {
    this.stmt.exclude.run(reason, worker)
  }

  exclusions (): Array<{ worker: string, reason: string }> {
    return this.stmt.exclusions.all() as Array<{ worker: string, reason: string }>
  }

  workerStats (worker?: string): WorkerStats[] {
    const rows = worker === undefined ? this.stmt.workerStats.all() : this.stmt.workerStatsOf.all(worker)
    return (rows as Row[]).map(r => {
      const stats: WorkerStats = {
        worker: r.worker as string,
        chunksDone: r.chunksDone as number,
        chunksFailed: r.chunksFailed as number,
        valid: r.valid as number,
        invalid: r.invalid as number,
        creditMs: r.creditMs as number,
        lastSeen: r.lastSeen as number
      }
      if (r.excluded !== null) stats.excluded = r.excluded as string
      return stats
    })
  }

  close (): void {
    if (this.db.open) this.db.close()
  }
}
