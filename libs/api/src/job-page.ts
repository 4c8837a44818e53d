import { z } from 'zod'
import { JOB_PAGE } from './constants.js'
import type { JobPage } from './jobs.js'
import { InvalidRequestError } from './errors.js'

const limitRule = `limit must be an integer from 1 to ${JOB_PAGE.maxLimit}`
const beforeRule = 'before must be a job id'

const limitSchema = z.string({ error: limitRule }).regex(/^[0-9]{1,6}$/, { error: limitRule }).transform(Number)
  .refine(n => n >= 1 && n <= JOB_PAGE.maxLimit, { error: limitRule }).optional()

/** The query of `GET /api/jobs`: every value arrives as a string (or an array, if repeated). */
const jobPageSchema = z.object({
  limit: limitSchema,
  before: z.string({ error: beforeRule }).min(1, { error: beforeRule }).max(64, { error: 'before must be at most 64 characters' }).optional()
}).strict()

/** `?limit=&before=` checked; throws `InvalidRequestError` naming the bad parameter. */
export function parseJobPage (query: unknown): JobPage {
  const parsed = checkQuery(jobPageSchema, query)
  const page: JobPage = {}
  if (parsed.limit !== undefined) page.limit = parsed.limit
  if (parsed.before !== undefined) page.before = parsed.before
  return page
}

/** `?limit=` alone (the failure lists): 1 to 500. */
export function parseLimit (query: unknown): { limit?: number } {
  const { limit } = checkQuery(z.object({ limit: limitSchema }).strict(), query)
  return limit === undefined ? {} : { limit }
}

/** `?all=true` (or `false`): the worker list with every worker on record, not only those seen lately. */
export function parseWorkersQuery (query: unknown): { all: boolean } {
  const { all } = checkQuery(z.object({ all: z.enum(['true', 'false'], { error: 'all must be true or false' }).optional() }).strict(), query)
  return { all: all === 'true' }
}

function checkQuery<T> (schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new InvalidRequestError(issue.code === 'unrecognized_keys'
    ? `unknown query parameter ${issue.keys.map(k => JSON.stringify(k)).join(', ')}`
    : issue.message)
}
