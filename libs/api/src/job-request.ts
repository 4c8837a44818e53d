import { z } from 'zod'
import { InvalidRequestError } from './errors.js'
import { jobOptionsSchema } from './jobs.js'
import { unknownName } from './suggest.js'

/**
 * The top-level shape of `POST /api/jobs`; the task itself validates `params` and `chunks`
 * against them, and the scheduler the options' ranges (each naming the field too).
 */
export const jobRequestSchema = z.object({
  task: z.string({ error: 'task must be a string naming a task (see GET /api/tasks)' }).min(1, { error: 'task must not be empty' }).max(64, { error: 'task must be at most 64 characters' })
    .describe('A task\'s name (GET /api/tasks): a built-in, or name@version of a registered one.'),
  // Checked, not copied: a copy would turn an own "__proto__" key into a prototype, hiding it from the task's check.
  params: z.custom<Record<string, unknown>>(isPlainObject, { error: 'params must be an object' }).meta({ type: 'object' }).default({})
    .describe('The task\'s parameters (GET /api/tasks shows each task\'s exampleParams).'),
  chunks: z.number({ error: 'chunks must be a number' }).int({ error: 'chunks must be an integer' }).min(1, { error: 'chunks must be at least 1' })
    .describe('How many chunks to split the job into.'),
  replication: z.union([z.number().int(), z.literal('adaptive')], { error: 'replication must be an integer or "adaptive"' }).optional()
    .describe(jobOptionsSchema.shape.replication.description ?? ''),
  quorum: z.number({ error: 'quorum must be a number' }).int({ error: 'quorum must be an integer' }).optional().describe(jobOptionsSchema.shape.quorum.description ?? ''),
  maxAttempts: z.number({ error: 'maxAttempts must be a number' }).int({ error: 'maxAttempts must be an integer' }).optional().describe(jobOptionsSchema.shape.maxAttempts.description ?? ''),
  chunkTimeoutMs: z.number({ error: 'chunkTimeoutMs must be a number' }).int({ error: 'chunkTimeoutMs must be an integer' }).optional().describe(jobOptionsSchema.shape.chunkTimeoutMs.description ?? ''),
  priority: z.number({ error: 'priority must be a number' }).int({ error: 'priority must be an integer' }).optional().describe(jobOptionsSchema.shape.priority.description ?? '')
}).strict()

function isPlainObject (value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A job as submitted, checked: what `POST /api/jobs` and `Scheduler.submit` take. */
export type JobRequest = z.output<typeof jobRequestSchema>

export function parseJobRequest (body: unknown): JobRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('body must be a JSON object like {"task":"primes","params":{"from":0,"to":1000000},"chunks":8}')
  }
  // An unknown field first: a typo ("chunk") would otherwise be reported as the field it missed.
  const known = Object.keys(jobRequestSchema.shape)
  const unknown = Object.keys(body).find(key => !known.includes(key))
  if (unknown !== undefined) throw new InvalidRequestError(unknownName('field', unknown, known))
  const parsed = jobRequestSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue.path.join('.')
    const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map(k => JSON.stringify(k)).join(', ')}` : issue.message
    throw new InvalidRequestError(field !== '' && !message.startsWith(field) ? `${field}: ${message}` : message)
  }
  return parsed.data
}
