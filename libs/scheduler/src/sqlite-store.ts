import Database from 'better-sqlite3'
import { SQLITE_BUSY_TIMEOUT_MS } from './constants.js'
import { migrations } from './schema.js'
import { TAG_LENGTH, type LeaseRef } from './lease-ids.js'
import type { ChunkRow, JobEnd, JobRow, LiveLease, NewJob, SchedulerStore, WorkerStats } from './store.js'
import type { JobStatus } from './types.js'

const JOB_COLUMNS = `seq, id, task, params, chunks, next_index AS nextIndex, done, status, acc, result,
  result_type AS resultType, error, created_at AS createdAt, finished_at AS finishedAt`

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
    insertJob: p(`INSERT INTO jobs (id, task, params, chunks, status, acc, created_at)
      VALUES (@id, @task, @params, @chunks, 'queued', @acc, @createdAt)`),
    job: p(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`),
    jobStatus: p('SELECT status FROM jobs WHERE seq = ?').pluck(),
    jobs: p(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY seq DESC`),
    activeJobs: p(`SELECT ${JOB_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY seq`),
    retryCounts: p(`SELECT job_seq AS jobSeq, count(*) AS count FROM chunks WHERE state = 'retry' GROUP BY job_seq`),
    saveCursor: p('UPDATE jobs SET next_index = ?, status = ? WHERE seq = ?'),
    saveProgress: p('UPDATE jobs SET done = ?, acc = ? WHERE seq = ?'),
    endJob: p(`UPDATE jobs SET status = @status, done = @done, finished_at = @finishedAt, result = @result,
      result_type = @resultType, error = @error, acc = NULL WHERE seq = @seq`),
    liveLeases: p(`SELECT idx AS "index", attempt, substr(tags, (attempt - 1) * ${TAG_LENGTH} + 1, ${TAG_LENGTH}) AS tag, worker
      FROM chunks WHERE job_seq = ? AND state = 'leased' ORDER BY idx`),
    dropChunks: p(`UPDATE chunks SET state = 'dropped' WHERE job_seq = ? AND state IN ('leased', 'retry')`),
    insertChunk: p(`INSERT INTO chunks (job_seq, idx, state, attempt, tags, worker, deadline)
      VALUES (?, ?, 'leased', 1, ?, ?, ?)`),
    leaseRetry: p(`UPDATE chunks SET state = 'leased', attempt = attempt + 1, tags = tags || ?, worker = ?, deadline = ?
      WHERE job_seq = ? AND idx = ? AND state = 'retry' RETURNING attempt`).pluck(),
    retryIndexes: p(`SELECT idx FROM chunks WHERE job_seq = ? AND state = 'retry' ORDER BY idx LIMIT ?`).pluck(),
    chunk: p('SELECT state, attempt, tags FROM chunks WHERE job_seq = ? AND idx = ?'),
    markDone: p(`UPDATE chunks SET state = 'done' WHERE job_seq = ? AND idx = ?`),
    markFailed: p(`UPDATE chunks SET state = 'retry', failures = failures + 1 WHERE job_seq = ? AND idx = ?
      RETURNING failures`).pluck(),
    renew: p(`UPDATE chunks SET deadline = @deadline WHERE job_seq = @jobSeq AND idx = @index
      AND state = 'leased' AND attempt = @attempt AND worker = @worker AND deadline > @now
      AND substr(tags, (@attempt - 1) * ${TAG_LENGTH} + 1, ${TAG_LENGTH}) = @tag`),
    release: p(`UPDATE chunks SET state = 'retry' WHERE job_seq = @jobSeq AND idx = @index
      AND state = 'leased' AND attempt = @attempt AND worker = @worker
      AND substr(tags, (@attempt - 1) * ${TAG_LENGTH} + 1, ${TAG_LENGTH}) = @tag`),
    expire: p(`UPDATE chunks SET state = 'retry' WHERE state = 'leased' AND deadline <= ? RETURNING job_seq`).pluck(),
    extendLive: p(`UPDATE chunks SET deadline = ? WHERE state = 'leased'`),
    countWorker: p(`INSERT INTO workers (worker, chunks_done, chunks_failed) VALUES (?, ?, ?)
      ON CONFLICT (worker) DO UPDATE SET chunks_done = chunks_done + excluded.chunks_done,
        chunks_failed = chunks_failed + excluded.chunks_failed`),
    workerStats: p(`SELECT worker, chunks_done AS chunksDone, chunks_failed AS chunksFailed FROM workers ORDER BY worker`)
  }
}

class SqliteStore implements SchedulerStore {
  private readonly db: Database.Database
  private readonly stmt: ReturnType<typeof prepareStatements>
  private readonly run: Database.Transaction<(fn: () => unknown) => unknown>
  private readonly syncFull: Database.Statement
  private readonly syncNormal: Database.Statement

  constructor (db: Database.Database) {
    this.db = db
    this.stmt = prepareStatements(db)
    this.run = db.transaction((fn: () => unknown) => fn())
    this.syncFull = db.prepare('PRAGMA synchronous = FULL')
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL')
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

  retryCounts (): Array<{ jobSeq: number, count: number }> {
    return this.stmt.retryCounts.all() as Array<{ jobSeq: number, count: number }>
  }

  saveCursor (seq: number, nextIndex: number, status: JobStatus): void {
    this.stmt.saveCursor.run(nextIndex, status, seq)
  }

  saveProgress (seq: number, done: number, acc: Uint8Array): void {
    this.stmt.saveProgress.run(done, acc, seq)
  }

  endJob (seq: number, end: JobEnd): LiveLease[] {
    const live = this.stmt.liveLeases.all(seq) as LiveLease[]
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

  leaseNew (jobSeq: number, index: number, tag: string, worker: string, deadline: number): void {
    this.stmt.insertChunk.run(jobSeq, index, tag, worker, deadline)
  }

  leaseRetry (jobSeq: number, index: number, tag: string, worker: string, deadline: number): number {
    const attempt = this.stmt.leaseRetry.get(tag, worker, deadline, jobSeq, index) as number | undefined
    if (attempt === undefined) throw new Error(`chunk ${index} of job ${jobSeq} is not waiting for a retry`)
    return attempt
  }

  retryIndexes (jobSeq: number, limit: number): number[] {
    return this.stmt.retryIndexes.all(jobSeq, limit) as number[]
  }

  chunk (jobSeq: number, index: number): ChunkRow | undefined {
    return this.stmt.chunk.get(jobSeq, index) as ChunkRow | undefined
  }

  markDone (jobSeq: number, index: number): void {
    this.stmt.markDone.run(jobSeq, index)
  }

  markFailed (jobSeq: number, index: number): number {
    return this.stmt.markFailed.get(jobSeq, index) as number
  }

  renew (lease: LeaseRef, worker: string, now: number, deadline: number): boolean {
    return this.stmt.renew.run({ ...lease, worker, now, deadline }).changes === 1
  }

  release (lease: LeaseRef, worker: string): boolean {
    return this.stmt.release.run({ ...lease, worker }).changes === 1
  }

  expire (now: number): number[] {
    return this.stmt.expire.all(now) as number[]
  }

  extendLive (deadline: number): void {
    this.stmt.extendLive.run(deadline)
  }

  countWorker (worker: string, done: number, failed: number): void {
    this.stmt.countWorker.run(worker, done, failed)
  }

  workerStats (): WorkerStats[] {
    return (this.stmt.workerStats.all() as Row[]).map(r => ({
      worker: r.worker as string,
      chunksDone: r.chunksDone as number,
      chunksFailed: r.chunksFailed as number
    }))
  }

  close (): void {
    if (this.db.open) this.db.close()
  }
}
