import { JOB_LIMITS } from './constants.js'
import { InvalidJobError } from './errors.js'
import { ADAPTIVE, type JobOptionsRow } from './store.js'
import type { JobOptions, JobRequest } from './types.js'

/**
 * A request's options checked and filled in with defaults, as stored with the job. Throws
 * `InvalidJobError` naming the field.
 */
export function parseJobOptions (req: JobRequest, defaultMaxAttempts: number): JobOptionsRow {
  const { replication = 1, quorum, maxAttempts, chunkTimeoutMs, priority = 1 } = req
  let copies: number
  if (replication === 'adaptive') {
    if (quorum !== undefined) throw new InvalidJobError('quorum', 'quorum cannot be set with adaptive replication')
    copies = 2
  } else {
    copies = integerIn('replication', replication, JOB_LIMITS.replication, ' or "adaptive"')
    if (quorum !== undefined) integerIn('quorum', quorum, { min: 1, max: copies })
  }
  return {
    replication: replication === 'adaptive' ? ADAPTIVE : copies,
    quorum: replication === 'adaptive' ? 2 : quorum ?? copies,
    maxAttempts: maxAttempts === undefined
      ? Math.max(defaultMaxAttempts, copies + 2)
      : integerIn('maxAttempts', maxAttempts, JOB_LIMITS.maxAttempts),
    chunkTimeoutMs: chunkTimeoutMs === undefined ? null : integerIn('chunkTimeoutMs', chunkTimeoutMs, JOB_LIMITS.chunkTimeoutMs),
    priority: integerIn('priority', priority, JOB_LIMITS.priority)
  }
}

/** The job's maxAttempts, for jobs stored before it was (null). */
export function resolveMaxAttempts (row: JobOptionsRow, defaultMaxAttempts: number): number {
  return row.maxAttempts ?? Math.max(defaultMaxAttempts, (row.replication === ADAPTIVE ? 2 : row.replication) + 2)
}

export function optionsView (row: JobOptionsRow, defaultMaxAttempts: number): JobOptions {
  const view: JobOptions = {
    replication: row.replication === ADAPTIVE ? 'adaptive' : row.replication,
    quorum: row.quorum,
    maxAttempts: resolveMaxAttempts(row, defaultMaxAttempts),
    priority: row.priority
  }
  if (row.chunkTimeoutMs !== null) view.chunkTimeoutMs = row.chunkTimeoutMs
  return view
}

function integerIn (field: string, value: unknown, { min, max }: { min: number, max: number }, or = ''): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidJobError(field, `${field} must be an integer from ${min} to ${max}${or}`)
  }
  return value
}
