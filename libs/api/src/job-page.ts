import { z } from 'zod'
import { JOB_PAGE, type JobPage } from './jobs.js'
import { InvalidRequestError } from './errors.js'

const limitRule = `limit must be an integer from 1 to ${JOB_PAGE.maxLimit}`
const beforeRule = 'before must be a job id'

/** The query of `GET /api/jobs`: every value arrives as a string (or an array, if repeated). */
const jobPageSchema = z.object({
  limit: z.string({ error: limitRule }).regex(/^[0-9]{1,6}$/, { error: limitRule }).transform(Number)
    .refine(n => n >= 1 && n <= JOB_PAGE.maxLimit, { error: limitRule }).optional(),
  before: z.string({ error: beforeRule }).min(1, { error: beforeRule }).max(64, { error: 'before must be at most 64 characters' }).optional()
}).strict()

/** `?limit=&before=` checked; throws `InvalidRequestError` naming the bad parameter. */
export function parseJobPage (query: unknown): JobPage {
  const parsed = jobPageSchema.safeParse(query ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new InvalidRequestError(issue.code === 'unrecognized_keys'
      ? `unknown query parameter ${issue.keys.map(k => JSON.stringify(k)).join(', ')}`
      : issue.message)
  }
  const page: JobPage = {}
  if (parsed.data.limit !== undefined) page.limit = parsed.data.limit
  if (parsed.data.before !== undefined) page.before = parsed.data.before
  return page
}
