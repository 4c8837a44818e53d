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
  `
]
