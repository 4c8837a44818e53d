import { InvalidRequestError } from './errors.js'

/** What a job id may be: ids are made by the scheduler from these characters, never longer. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/

/** A job id from a path or query; throws `InvalidRequestError` for anything no job could be named (never echoing more than 80 characters of it). */
export function parseJobId (raw: unknown, what = 'job id'): string {
  if (typeof raw === 'string' && JOB_ID.test(raw)) return raw
  const shown = typeof raw === 'string' ? JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw) : typeof raw
  throw new InvalidRequestError(`${what} must be 1 to 64 letters, digits, "_" or "-" (got ${shown})`)
}
