import Database from 'better-sqlite3'
import { SQLITE_BUSY_TIMEOUT_MS } from './constants.js'
import { migrations } from './schema.js'
import type { LeaseRef } from './lease-ids.js'
import type {
  AgedCopy, ChunkRow, ChunkState, ChunkUpdate, CopyRef, CopyRow, CopyState, DueCopy, FirstLease, JobEnd, JobRow, LeaseBatch,
  LeaseState, LiveLease, NewCopy, NewJob, SchedulerStore, TrustDelta, WorkerStats, WorkerTrust
} from './store.js'
import type { JobStatus } from './types.js'

const JOB_COLUMNS = `seq, id, task, params, chunks, next_index AS nextIndex, done, status, acc, result,
  result_type AS resultType, error, created_at AS createdAt, finished_at AS finishedAt,
  replication, quorum, max_attempts AS maxAttempts, chunk_timeout_ms AS chunkTimeoutMs, priority`

const CHUNK_COLUMNS = `state, attempt, tags, target, quorum, needed, results, failures,
  waiting_since AS waitingSince, backup, agreed`

const COPY_COLUMNS = `attempt, tag, worker, state, backup, leased_at AS leasedAt, deadline, overrun_at AS overrunAt, result`

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

function migrate (db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > migrations.length) {
    throw new Error(`scheduler database is at schema version ${version}, newer than this code (${migrations.length})`)
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v])
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
}

type Row = Record<string, unknown>

// Prepared once: preparing a statement costs more than running most of them.
function prepareStatements (db: Database.Database) {
  const p = (sql: string): Database.Statement => db.prepare(sql)
  return {
    insertJob: p(`INSERT INTO jobs (id, task, params, chunks, status, acc, created_at, replication, quorum, max_attempts,
        chunk_timeout_ms, priority)
      VALUES (@id, @task, @params, @chunks, 'queued', @acc, @createdAt, @replication, @quorum, @maxAttempts,
        @chunkTimeoutMs, @priority)`),
    job: p(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`),
    jobStatus: p('SELECT status FROM jobs WHERE seq = ?').pluck(),
    jobs: p(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY seq DESC`),
    activeJobs: p(`SELECT ${JOB_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY seq`),
    waitingCounts: p(`SELECT job_seq AS jobSeq, sum(needed) AS count FROM chunks WHERE needed > 0 GROUP BY job_seq`),
    saveCursor: p('UPDATE jobs SET next_index = ?, status = ? WHERE seq = ?'),
    saveProgress: p('UPDATE jobs SET done = ?, acc = ? WHERE seq = ?'),
    endJob: p(`UPDATE jobs SET status = @status, done = @done, finished_at = @finishedAt, result = @result,
      result_type = @resultType, error = @error, acc = NULL WHERE seq = @seq`),
    liveOfJob: p(`SELECT idx AS "index", attempt, tag, worker FROM copies WHERE job_seq = ? AND state = 'live' ORDER BY idx, attempt`),
    dropCopies: p('DELETE FROM copies WHERE job_seq = ?'),
    dropChunks: p(`UPDATE chunks SET state = CASE state WHEN 'open' THEN 'dropped' ELSE state END, needed = 0, agreed = NULL
      WHERE job_seq = ? AND (state = 'open' OR agreed IS NOT NULL)`),

    // A new chunk's first copy, from the chunk row just written: for attempt 1 its tags are its tag.
    firstCopies: p(`INSERT INTO copies (job_seq, idx, attempt, tag, worker, state, backup, leased_at, deadline, overrun_at)
      SELECT job_seq, idx, 1, tags, ?, 'live', 0, ?, ?, ? FROM chunks WHERE job_seq = ? AND idx >= ? AND idx < ?`),
    // INDEXED BY: the planner would otherwise walk every chunk of the job by primary key.
    eligibleWaiting: p(`SELECT c.idx FROM chunks c INDEXED BY chunks_waiting WHERE c.job_seq = @jobSeq AND c.needed > 0
      AND NOT EXISTS (SELECT 1 FROM copies p WHERE p.job_seq = c.job_seq AND p.idx = c.idx AND p.worker = @worker
        AND (p.state IN ('live', 'ok') OR (p.state = 'failed' AND c.waiting_since > @failedBefore)))
      ORDER BY c.idx LIMIT @limit`).pluck(),
    // A backup (1) does not use up `needed`; a copy that was waiting (0) does.
    nextAttempt: p(`UPDATE chunks SET attempt = attempt + 1, tags = tags || ?, needed = max(needed - 1 + ?, 0), backup = max(backup, ?)
      WHERE job_seq = ? AND idx = ? AND state = 'open' RETURNING attempt`).pluck(),
    insertCopy: p(`INSERT INTO copies (job_seq, idx, attempt, tag, worker, state, backup, leased_at, deadline, overrun_at)
      VALUES (?, ?, ?, ?, ?, 'live', ?, ?, ?, ?)`),
    chunk: p(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE job_seq = ? AND idx = ?`),
    updateChunk: p(`UPDATE chunks SET needed = @needed, results = @results, failures = @failures, waiting_since = @waitingSince
      WHERE job_seq = @jobSeq AND idx = @index`),
    copy: p(`SELECT ${COPY_COLUMNS} FROM copies WHERE job_seq = ? AND idx = ? AND attempt = ?`),
    // Positional (raw): read for every result.
    leaseState: p(`SELECT c.state, c.attempt, c.tags, c.target, c.quorum, c.needed, c.results, c.failures, c.waiting_since,
        c.backup, c.agreed, p.state, p.worker, p.backup, p.leased_at
      FROM chunks c LEFT JOIN copies p ON p.job_seq = c.job_seq AND p.idx = c.idx AND p.attempt = ?
      WHERE c.job_seq = ? AND c.idx = ?`).raw(),
    copies: p(`SELECT ${COPY_COLUMNS} FROM copies WHERE job_seq = ? AND idx = ? ORDER BY attempt`),
    setCopy: p('UPDATE copies SET state = ?, result = ? WHERE job_seq = ? AND idx = ? AND attempt = ?'),
    deleteCopy: p('DELETE FROM copies WHERE job_seq = ? AND idx = ? AND attempt = ?'),
    markDone: p(`UPDATE chunks SET state = 'done', needed = 0, agreed = ? WHERE job_seq = ? AND idx = ?`),
    revokeLive: p(`UPDATE copies SET state = 'revoked', result = NULL WHERE job_seq = ? AND idx = ? AND state = 'live'
      AND attempt != ? RETURNING idx AS "index", attempt, tag, worker`),
    forgetAnswered: p(`DELETE FROM copies WHERE job_seq = ? AND idx = ? AND state != 'revoked'`),
    renew: p(`UPDATE copies SET deadline = min(@deadline, coalesce(overrun_at, @deadline))
      WHERE job_seq = @jobSeq AND idx = @index AND attempt = @attempt AND state = 'live' AND worker = @worker
      AND deadline > @now AND tag = @tag`),
    dueCopies: p(`SELECT job_seq AS jobSeq, idx AS "index", attempt, tag, worker, state, overrun_at AS overrunAt
      FROM copies WHERE state IN ('live', 'revoked') AND deadline <= ? ORDER BY deadline`),
    liveCopies: p(`SELECT job_seq AS jobSeq, idx AS "index", attempt, tag, worker, leased_at AS leasedAt
      FROM copies WHERE state = 'live' ORDER BY leased_at`),
    liveCopiesOf: p(`SELECT job_seq AS jobSeq, idx AS "index", attempt, tag, worker FROM copies
      WHERE state = 'live' AND worker = ? ORDER BY job_seq, idx`),
    extendLive: p(`UPDATE copies SET deadline = @deadline, overrun_at = max(overrun_at, @deadline) WHERE state = 'live'`),

    countWorker: p(`INSERT INTO workers (worker, chunks_done, valid, invalid, chunks_failed) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (worker) DO UPDATE SET chunks_done = chunks_done + excluded.chunks_done, valid = valid + excluded.valid,
        invalid = invalid + excluded.invalid, chunks_failed = chunks_failed + excluded.chunks_failed
      RETURNING valid, invalid, excluded`),
    trust: p('SELECT valid, invalid, excluded FROM workers WHERE worker = ?'),
    exclude: p('UPDATE workers SET excluded = ? WHERE worker = ?'),
    exclusions: p('SELECT worker, excluded AS reason FROM workers WHERE excluded IS NOT NULL'),
    workerStats: p(`SELECT worker, chunks_done + valid AS chunksDone, chunks_failed AS chunksFailed, invalid, excluded
      FROM workers ORDER BY worker`)
  }
}

class SqliteStore implements SchedulerStore {
  private readonly db: Database.Database
  private readonly stmt: ReturnType<typeof prepareStatements>
  private readonly run: Database.Transaction<(fn: () => unknown) => unknown>
  private readonly syncFull: Database.Statement
  private readonly syncNormal: Database.Statement
  private readonly insertChunks: MultiInsert

  constructor (db: Database.Database) {
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

  insertJob (job: NewJob): number {
    return Number(this.stmt.insertJob.run(job).lastInsertRowid)
  }

  job (id: string): JobRow | undefined {
    return this.stmt.job.get(id) as JobRow | undefined
  }

  jobStatus (seq: number): JobStatus | undefined {
    return this.stmt.jobStatus.get(seq) as JobStatus | undefined
  }

  jobs (): JobRow[] {
    return this.stmt.jobs.all() as JobRow[]
  }

  activeJobs (): JobRow[] {
    return this.stmt.activeJobs.all() as JobRow[]
  }

  waitingCounts (): Array<{ jobSeq: number, count: number }> {
    return this.stmt.waitingCounts.all() as Array<{ jobSeq: number, count: number }>
  }

  saveCursor (seq: number, nextIndex: number, status: JobStatus): void {
    this.stmt.saveCursor.run(nextIndex, status, seq)
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

  createChunks (batch: LeaseBatch, chunks: FirstLease[]): void {
    if (chunks.length === 0) return
    const { jobSeq, worker, leasedAt, deadline, overrunAt } = batch
    const values: unknown[] = []
    for (const { index, tag, target, quorum } of chunks) values.push(jobSeq, index, tag, target, quorum, target - 1, leasedAt)
    this.insertChunks.run(values)
    const from = chunks[0].index
    this.stmt.firstCopies.run(worker, leasedAt, deadline, overrunAt, jobSeq, from, from + chunks.length)
  }

  eligibleWaiting (jobSeq: number, worker: string, failedBefore: number, limit: number): number[] {
    return this.stmt.eligibleWaiting.all({ jobSeq, worker, failedBefore, limit }) as number[]
  }

  issueCopy (copy: NewCopy): number {
    const backup = copy.backup ? 1 : 0
    const attempt = this.stmt.nextAttempt.get(copy.tag, backup, backup, copy.jobSeq, copy.index) as number | undefined
    if (attempt === undefined) throw new Error(`chunk ${copy.index} of job ${copy.jobSeq} is not open`)
    this.stmt.insertCopy.run(copy.jobSeq, copy.index, attempt, copy.tag, copy.worker, backup, copy.leasedAt, copy.deadline, copy.overrunAt)
    return attempt
  }

  chunk (jobSeq: number, index: number): ChunkRow | undefined {
    return this.stmt.chunk.get(jobSeq, index) as ChunkRow | undefined
  }

  updateChunk (jobSeq: number, index: number, update: ChunkUpdate): void {
    this.stmt.updateChunk.run({ ...update, jobSeq, index })
  }

  copy (jobSeq: number, index: number, attempt: number): CopyRow | undefined {
    return this.stmt.copy.get(jobSeq, index, attempt) as CopyRow | undefined
  }

  leaseState ({ jobSeq, index, attempt }: { jobSeq: number, index: number, attempt: number }): LeaseState | undefined {
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

  copies (jobSeq: number, index: number): CopyRow[] {
    return this.stmt.copies.all(jobSeq, index) as CopyRow[]
  }

  setCopy (jobSeq: number, index: number, attempt: number, state: CopyState, result: Uint8Array | null = null): void {
    this.stmt.setCopy.run(state, result, jobSeq, index, attempt)
  }

  deleteCopy (jobSeq: number, index: number, attempt: number): void {
    this.stmt.deleteCopy.run(jobSeq, index, attempt)
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

  renew (lease: LeaseRef, worker: string, now: number, deadline: number): boolean {
    return this.stmt.renew.run({ ...lease, worker, now, deadline }).changes === 1
  }

  dueCopies (now: number): DueCopy[] {
    return this.stmt.dueCopies.all(now) as DueCopy[]
  }

  liveCopies (): AgedCopy[] {
    return this.stmt.liveCopies.all() as AgedCopy[]
  }

  liveCopiesOf (worker: string): CopyRef[] {
    return this.stmt.liveCopiesOf.all(worker) as CopyRef[]
  }

  extendLive (deadline: number): void {
    this.stmt.extendLive.run({ deadline })
  }

  countWorker (worker: string, delta: TrustDelta): WorkerTrust {
    return this.stmt.countWorker.get(
      worker, delta.accepted ?? 0, delta.valid ?? 0, delta.invalid ?? 0, delta.failed ?? 0
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

  workerStats (): WorkerStats[] {
    return (this.stmt.workerStats.all() as Row[]).map(r => {
      const stats: WorkerStats = {
        worker: r.worker as string,
        chunksDone: r.chunksDone as number,
        chunksFailed: r.chunksFailed as number,
        invalid: r.invalid as number
      }
      if (r.excluded !== null) stats.excluded = r.excluded as string
      return stats
    })
  }

  close (): void {
    if (this.db.open) this.db.close()
  }
}

/** Rows per statement of a multi-row INSERT; 7 parameters a row stays far below SQLite's limit. */
const MAX_ROWS = 128

/**
 * A multi-row `INSERT … VALUES (…), (…)`: one statement per 128 rows instead of one per row. A
 * batch's remainder is written in power-of-two pieces, so at most eight statements are prepared.
 */
class MultiInsert {
  private readonly statements = new Map<number, Database.Statement>()

  constructor (
    private readonly db: Database.Database,
    private readonly head: string,
    private readonly row: string,
    private readonly width: number
  ) {}

  /** `values` holds the rows' parameters one row after another. */
  run (values: unknown[]): void {
    let rows = values.length / this.width
    let offset = 0
    while (rows > 0) {
      let n = MAX_ROWS
      while (n > rows) n >>= 1
      const end = offset + n * this.width
      this.statement(n).run(offset === 0 && end === values.length ? values : values.slice(offset, end))
      offset = end
      rows -= n
    }
  }

  private statement (rows: number): Database.Statement {
    let statement = this.statements.get(rows)
    if (statement === undefined) {
      statement = this.db.prepare(`${this.head} ${new Array(rows).fill(this.row).join(', ')}`)
      this.statements.set(rows, statement)
    }
    return statement
  }
}
