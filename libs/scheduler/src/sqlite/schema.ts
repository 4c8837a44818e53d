/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
 * Append only: never edit a migration that has shipped.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    task TEXT NOT NULL,
    params BLOB NOT NULL,
    chunks INTEGER NOT NULL,
    next_index INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    acc BLOB,
    result BLOB,
    result_type TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
  );

  -- A row exists only once a chunk has been leased: splitting is lazy.
  -- attempt, worker and deadline describe the chunk's newest lease. A lease id names
  -- (job_seq, idx, attempt) and a random tag; tags holds the tags of every attempt, 12 characters
  -- each, so that old leases stay recognisable without a table of all leases.
  CREATE TABLE chunks (
    job_seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL,
    worker TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    PRIMARY KEY (job_seq, idx)
  ) WITHOUT ROWID;
  -- Live leases are few (workers × slots): these stay small however big the jobs are.
  CREATE INDEX chunks_live_by_deadline ON chunks (deadline) WHERE state = 'leased';
  CREATE INDEX chunks_live_by_job ON chunks (job_seq) WHERE state = 'leased';
  CREATE INDEX chunks_retry ON chunks (job_seq, idx) WHERE state = 'retry';

  CREATE TABLE workers (
    worker TEXT PRIMARY KEY,
    chunks_done INTEGER NOT NULL DEFAULT 0,
    chunks_failed INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  `,
  // Replication, quorum, trust. A chunk may now have several copies out at once, each a row of
  // `copies` until the chunk is decided; the chunk row keeps what it still needs.
  `
  ALTER TABLE jobs ADD COLUMN replication INTEGER NOT NULL DEFAULT 1; -- 0: adaptive
  ALTER TABLE jobs ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE jobs ADD COLUMN max_attempts INTEGER; -- NULL (older jobs): the scheduler's default
  ALTER TABLE jobs ADD COLUMN chunk_timeout_ms INTEGER;
  ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;

  -- One row per copy (lease) of an undecided chunk, and per copy still out when its chunk was
  -- decided ('revoked', kept to compare a late result for trust). Live copies are few.
  -- state: live | lost (expired or released, no result) | ok (result holds the output) | failed | revoked
  CREATE TABLE copies (
    job_seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    tag TEXT NOT NULL,
    worker TEXT NOT NULL,
    state TEXT NOT NULL,
    backup INTEGER NOT NULL DEFAULT 0,
    leased_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    -- past this the worker should have aborted the chunk (chunkTimeoutMs): a failed result
    overrun_at INTEGER,
    result BLOB,
    PRIMARY KEY (job_seq, idx, attempt)
  ) WITHOUT ROWID;
  CREATE INDEX copies_out_by_deadline ON copies (deadline) WHERE state IN ('live', 'revoked');
  CREATE INDEX copies_live_by_age ON copies (leased_at) WHERE state = 'live';
  CREATE INDEX copies_live_by_worker ON copies (worker) WHERE state = 'live';

  INSERT INTO copies (job_seq, idx, attempt, tag, worker, state, leased_at, deadline)
    SELECT job_seq, idx, attempt, substr(tags, (attempt - 1) * 12 + 1, 12), worker, 'live', deadline, deadline
    FROM chunks WHERE state = 'leased';

  -- chunks.state: open | done | dropped. target: copies it is meant to have (the replication, or
  -- adaptive's 1 or 2); needed: copies waiting to be issued; results: ok and failed results so far
  -- (bounded by the job's maxAttempts); agreed: the decided output, to compare late results with.
  DROP INDEX chunks_live_by_deadline;
  DROP INDEX chunks_live_by_job;
  DROP INDEX chunks_retry;
  ALTER TABLE chunks ADD COLUMN target INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE chunks ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE chunks ADD COLUMN needed INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chunks ADD COLUMN results INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chunks ADD COLUMN waiting_since INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chunks ADD COLUMN backup INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chunks ADD COLUMN agreed BLOB;
  UPDATE chunks SET results = failures, needed = (state = 'retry'),
    state = CASE WHEN state IN ('leased', 'retry') THEN 'open' ELSE state END;
  ALTER TABLE chunks DROP COLUMN worker;
  ALTER TABLE chunks DROP COLUMN deadline;
  CREATE INDEX chunks_waiting ON chunks (job_seq, idx) WHERE needed > 0;

  -- chunks_done now counts single-copy results accepted; valid ones agreed with a quorum.
  ALTER TABLE workers ADD COLUMN valid INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE workers ADD COLUMN invalid INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE workers ADD COLUMN excluded TEXT;
  `,
  // Every lease inserts a copy and every result deletes it: each index on copies costs two b-tree
  // writes per chunk. The table holds only copies of undecided chunks (and revoked ones until
  // their deadline), so the rare scans that used these indexes are cheap without them.
  `
  DROP INDEX copies_live_by_age;
  DROP INDEX copies_live_by_worker;
  DROP INDEX copies_out_by_deadline;
  `,
  // Each lease gets an epoch: 1 when issued (the default, so leases live across the upgrade keep
  // theirs), raised each time a transfer moves the lease to another holder.
  `
  ALTER TABLE copies ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
  `,
  // A copy keeps the latest checkpoint (msgpack) its worker sent while it was live, and keeps it
  // once lost; the next copy issued for the chunk takes it over (NULL there) and goes on from it.
  // Answered and revoked copies keep none.
  `
  ALTER TABLE copies ADD COLUMN checkpoint BLOB;
  `,
  // Failed results outlive their copies (deleted once the chunk is decided): what failed, where,
  // and when, for the dashboard's failures page; each job counts its own.
  `
  CREATE TABLE failures (
    job_seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    worker TEXT NOT NULL,
    error TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (job_seq, idx, attempt)
  ) WITHOUT ROWID;
  CREATE INDEX failures_by_time ON failures (at);
  ALTER TABLE jobs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
  `,
  // Credit (CPU milliseconds of accepted and valid results) per worker, and each ok copy's claim
  // until its chunk is decided and it is known to be valid.
  `
  ALTER TABLE copies ADD COLUMN credit_ms INTEGER;
  ALTER TABLE workers ADD COLUMN credit_ms INTEGER NOT NULL DEFAULT 0;
  `,
  // Retention: finished jobs are removed (DELETE, --retain), found by when they ended; a removed
  // job's seq is remembered so that no later job takes it (a late report of one of its leases must
  // never match a new job's chunk). A worker's record keeps when its last result came.
  `
  CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
  CREATE TABLE removed (last_seq INTEGER NOT NULL);
  INSERT INTO removed (last_seq) VALUES (0);
  ALTER TABLE workers ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
  `
]
