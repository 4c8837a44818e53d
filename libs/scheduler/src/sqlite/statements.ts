/** The SQL the SQLite store runs, each statement prepared once. */
import type { Database, Statement } from './driver.js'

/** What a job's view needs: never the params, accumulator or result blobs. */
const SUMMARY_COLUMNS = `seq, id, task, chunks, done, failures, status, error, created_at AS createdAt, finished_at AS finishedAt,
  replication, quorum, max_attempts AS maxAttempts, chunk_timeout_ms AS chunkTimeoutMs, priority`

const CHUNK_COLUMNS = `state, attempt, tags, target, quorum, needed, results, failures,
  waiting_since AS waitingSince, backup, agreed`

const COPY_COLUMNS = `attempt, tag, worker, state, epoch, backup, leased_at AS leasedAt, deadline, overrun_at AS overrunAt, result, credit_ms AS creditMs,
  checkpoint`

const LEASE_COLUMNS = 'job_seq AS jobSeq, idx AS "index", attempt, tag, worker'

/** Every statement the store runs, prepared once: preparing costs more than running most of them. */
export function prepareStatements (db: Database) {
  const p = (sql: string): Statement => db.prepare(sql)
  return {
    // The next seq after every job's, removed ones included.
    addJob: p(`INSERT INTO jobs (seq, id, task, params, chunks, status, acc, created_at, replication, quorum, max_attempts,
        chunk_timeout_ms, priority)
      VALUES (max(coalesce((SELECT max(seq) FROM jobs), 0), (SELECT last_seq FROM removed)) + 1, @id, @task, @params, @chunks,
        'queued', @acc, @createdAt, @replication, @quorum, @maxAttempts, @chunkTimeoutMs, @priority)`),
    finishedBefore: p(`SELECT seq, id FROM jobs INDEXED BY jobs_finished WHERE finished_at IS NOT NULL AND finished_at < ?
      ORDER BY finished_at LIMIT ?`),
    removeJob: p('DELETE FROM jobs WHERE seq = ?'),
    removeChunks: p('DELETE FROM chunks WHERE job_seq = ?'),
    removeFailures: p('DELETE FROM failures WHERE job_seq = ?'),
    rememberRemoved: p('UPDATE removed SET last_seq = max(last_seq, ?)'),
    job: p(`SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE id = ?`),
    jobResult: p('SELECT status, result, result_type AS resultType FROM jobs WHERE id = ?'),
    jobStatus: p('SELECT status FROM jobs WHERE seq = ?').pluck() as Statement,
    // seq is the rowid: a page is a walk down the table's own b-tree.
    listJobs: p(`SELECT ${SUMMARY_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?`),
    jobCounts: p('SELECT status, count(*) AS count FROM jobs GROUP BY status'),
    listJobsBefore: p(`SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE seq < ? ORDER BY seq DESC LIMIT ?`),
    activeJobs: p(`SELECT ${SUMMARY_COLUMNS}, params, acc, next_index AS nextIndex FROM jobs
      WHERE status IN ('queued', 'running') ORDER BY seq`),
    waitingCounts: p(`SELECT job_seq AS jobSeq, sum(needed) AS count FROM chunks WHERE needed > 0 GROUP BY job_seq`),
    verifyingCounts: p(`SELECT job_seq AS jobSeq, count(DISTINCT idx) AS count FROM copies WHERE state = 'ok' GROUP BY job_seq`),
    logFailure: p('INSERT OR IGNORE INTO failures (job_seq, idx, attempt, worker, error, at) VALUES (?, ?, ?, ?, ?, ?)'),
    countFailure: p('UPDATE jobs SET failures = failures + 1 WHERE seq = ?'),
    failuresOfJob: p(`SELECT f.job_seq AS jobSeq, j.id AS jobId, f.idx AS "index", f.attempt, f.worker, f.error, f.at
      FROM failures f JOIN jobs j ON j.seq = f.job_seq WHERE f.job_seq = ? ORDER BY f.at DESC, f.idx DESC, f.attempt DESC LIMIT ?`),
    recentFailures: p(`SELECT f.job_seq AS jobSeq, j.id AS jobId, f.idx AS "index", f.attempt, f.worker, f.error, f.at
      FROM failures f JOIN jobs j ON j.seq = f.job_seq ORDER BY f.at DESC, f.job_seq DESC, f.idx DESC, f.attempt DESC LIMIT ?`),
    advanceCursor: p(`UPDATE jobs SET next_index = ?, status = 'running' WHERE seq = ?`),
    saveProgress: p('UPDATE jobs SET done = ?, acc = ? WHERE seq = ?'),
    endJob: p(`UPDATE jobs SET status = @status, done = @done, finished_at = @finishedAt, result = @result,
      result_type = @resultType, error = @error, acc = NULL WHERE seq = @seq`),
    liveOfJob: p(`SELECT ${LEASE_COLUMNS} FROM copies WHERE job_seq = ? AND state = 'live' ORDER BY idx, attempt`),
    dropCopies: p('DELETE FROM copies WHERE job_seq = ?'),
    dropChunks: p(`UPDATE chunks SET state = CASE state WHEN 'open' THEN 'dropped' ELSE state END, needed = 0, agreed = NULL
      WHERE job_seq = ? AND (state = 'open' OR agreed IS NOT NULL)`),

    // A new chunk's first copy, from the chunk row just written: for attempt 1 its tags are its tag.
    // epoch takes its default, 1.
    firstCopies: p(`INSERT INTO copies (job_seq, idx, attempt, tag, worker, state, backup, leased_at, deadline, overrun_at)
      SELECT job_seq, idx, 1, tags, ?, 'live', 0, ?, ?, ? FROM chunks WHERE job_seq = ? AND idx >= ? AND idx < ?`),
    // INDEXED BY: the planner would otherwise walk every chunk of the job by primary key.
    eligibleWaiting: p(`SELECT c.idx FROM chunks c INDEXED BY chunks_waiting WHERE c.job_seq = @jobSeq AND c.needed > 0
      AND NOT EXISTS (SELECT 1 FROM copies p WHERE p.job_seq = c.job_seq AND p.idx = c.idx AND p.worker = @worker
        AND (p.state IN ('live', 'ok') OR (p.state = 'failed' AND c.waiting_since > @failedBefore)))
      ORDER BY c.idx LIMIT @limit`).pluck() as Statement,
    // A backup (1) does not use up `needed`; a copy that was waiting (0) does.
    nextAttempt: p(`UPDATE chunks SET attempt = attempt + 1, tags = tags || ?, needed = max(needed - 1 + ?, 0), backup = max(backup, ?)
      WHERE job_seq = ? AND idx = ? AND state = 'open' RETURNING attempt`).pluck() as Statement,
    insertCopy: p(`INSERT INTO copies (job_seq, idx, attempt, tag, worker, state, backup, leased_at, deadline, overrun_at, checkpoint)
      VALUES (?, ?, ?, ?, ?, 'live', ?, ?, ?, ?, ?)`),
    // The newest lost copy that still has a checkpoint: by primary key, within one chunk's copies.
    lostCheckpoint: p(`SELECT attempt, checkpoint FROM copies WHERE job_seq = ? AND idx = ? AND state = 'lost'
      AND checkpoint IS NOT NULL ORDER BY attempt DESC LIMIT 1`).raw() as Statement,
    clearCheckpoint: p('UPDATE copies SET checkpoint = NULL WHERE job_seq = ? AND idx = ? AND attempt = ?'),
    // What a straggler's backup starts from: the live copy's latest checkpoint, which it keeps.
    liveCheckpoint: p(`SELECT checkpoint FROM copies WHERE job_seq = ? AND idx = ? AND state = 'live'
      AND checkpoint IS NOT NULL ORDER BY attempt DESC LIMIT 1`).pluck() as Statement,
    saveCheckpoint: p(`UPDATE copies SET checkpoint = @checkpoint
      WHERE job_seq = @jobSeq AND idx = @index AND attempt = @attempt AND state = 'live' AND worker = @worker AND tag = @tag`),
    // No index on worker (see schema.ts): exclusions are rare, and the table holds undecided chunks only.
    dropCheckpoints: p('UPDATE copies SET checkpoint = NULL WHERE worker = ? AND checkpoint IS NOT NULL'),
    renew: p(`UPDATE copies SET deadline = min(@deadline, coalesce(overrun_at, @deadline))
      WHERE job_seq = @jobSeq AND idx = @index AND attempt = @attempt AND state = 'live' AND worker = @worker
      AND deadline > @now AND tag = @tag`),
    moveLease: p(`UPDATE copies SET worker = @to, epoch = epoch + 1, deadline = min(@deadline, coalesce(overrun_at, @deadline))
      WHERE job_seq = @jobSeq AND idx = @index AND attempt = @attempt AND state = 'live' AND worker = @from AND epoch = @epoch
      AND deadline > @now AND tag = @tag`),
    loseLease: p(`UPDATE copies SET state = 'lost' WHERE job_seq = @jobSeq AND idx = @index AND attempt = @attempt
      AND state = 'live' AND tag = @tag AND (@holder IS NULL OR worker = @holder)`),
    dueLeases: p(`SELECT ${LEASE_COLUMNS}, state, overrun_at AS overrunAt
      FROM copies WHERE state IN ('live', 'revoked') AND deadline <= ? ORDER BY deadline`),
    liveLeases: p(`SELECT ${LEASE_COLUMNS}, leased_at AS leasedAt FROM copies WHERE state = 'live' ORDER BY leased_at`),
    liveLeasesBy: p(`SELECT ${LEASE_COLUMNS}, leased_at AS leasedAt FROM copies WHERE state = 'live' AND leased_at <= ? ORDER BY leased_at`),
    leasesHeldBy: p(`SELECT ${LEASE_COLUMNS} FROM copies WHERE state = 'live' AND worker = ? ORDER BY job_seq, idx`),
    extendLive: p(`UPDATE copies SET deadline = @deadline, overrun_at = max(overrun_at, @deadline) WHERE state = 'live'`),

    // Positional (raw): read for every result.
    leaseState: p(`SELECT c.state, c.attempt, c.tags, c.target, c.quorum, c.needed, c.results, c.failures, c.waiting_since,
        c.backup, c.agreed, p.state, p.worker, p.backup, p.leased_at
      FROM chunks c LEFT JOIN copies p ON p.job_seq = c.job_seq AND p.idx = c.idx AND p.attempt = ?
      WHERE c.job_seq = ? AND c.idx = ?`).raw() as Statement,
    chunk: p(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE job_seq = ? AND idx = ?`),
    copies: p(`SELECT ${COPY_COLUMNS} FROM copies WHERE job_seq = ? AND idx = ? ORDER BY attempt`),
    answer: p('UPDATE copies SET state = ?, result = ?, checkpoint = NULL WHERE job_seq = ? AND idx = ? AND attempt = ?'),
    vote: p(`UPDATE copies SET state = 'ok', result = ?, credit_ms = ?, checkpoint = NULL WHERE job_seq = ? AND idx = ? AND attempt = ?`),
    forgetRevoked: p(`DELETE FROM copies WHERE job_seq = ? AND idx = ? AND attempt = ? AND state = 'revoked'`),
    deleteCopy: p('DELETE FROM copies WHERE job_seq = ? AND idx = ? AND attempt = ?'),
    needCopies: p(`UPDATE chunks SET needed = @needed, results = @results, failures = @failures, waiting_since = @waitingSince
      WHERE job_seq = @jobSeq AND idx = @index`),
    markDone: p(`UPDATE chunks SET state = 'done', needed = 0, agreed = ? WHERE job_seq = ? AND idx = ?`),
    revokeLive: p(`UPDATE copies SET state = 'revoked', result = NULL, checkpoint = NULL
      WHERE job_seq = ? AND idx = ? AND state = 'live'
      AND attempt != ? RETURNING ${LEASE_COLUMNS}`),
    forgetAnswered: p(`DELETE FROM copies WHERE job_seq = ? AND idx = ? AND state != 'revoked'`),

    countWorker: p(`INSERT INTO workers (worker, chunks_done, valid, invalid, chunks_failed, credit_ms, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (worker) DO UPDATE SET chunks_done = chunks_done + excluded.chunks_done, valid = valid + excluded.valid,
        invalid = invalid + excluded.invalid, chunks_failed = chunks_failed + excluded.chunks_failed, credit_ms = credit_ms + excluded.credit_ms,
        last_seen = max(last_seen, excluded.last_seen)
      RETURNING valid, invalid, excluded`),
    trust: p('SELECT valid, invalid, excluded FROM workers WHERE worker = ?'),
    exclude: p('UPDATE workers SET excluded = ? WHERE worker = ?'),
    exclusions: p('SELECT worker, excluded AS reason FROM workers WHERE excluded IS NOT NULL'),
    workerStats: p(`SELECT worker, chunks_done + valid AS chunksDone, chunks_failed AS chunksFailed, valid, invalid, credit_ms AS creditMs, excluded,
      last_seen AS lastSeen FROM workers ORDER BY worker`),
    workerStatsOf: p(`SELECT worker, chunks_done + valid AS chunksDone, chunks_failed AS chunksFailed, valid, invalid, credit_ms AS creditMs, excluded,
      last_seen AS lastSeen FROM workers WHERE worker = ?`)
  }
}

export type Statements = ReturnType<typeof prepareStatements>
