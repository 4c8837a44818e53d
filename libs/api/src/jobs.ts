/** Jobs as the HTTP API shows them (`/api/jobs`) and the scheduler keeps them: schemas, and the types they give. */
import { z } from 'zod'

export const jobStatusSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled'])
export type JobStatus = z.infer<typeof jobStatusSchema>

/** How a job's chunks are run and checked. Every field is optional in a request. */
export const jobOptionsSchema = z.object({
  replication: z.union([z.number().int(), z.literal('adaptive')]).describe(
    'Copies of each chunk, run on different workers: 1 to 10, or "adaptive" (two copies for new or once-wrong workers, one spot-checked copy for trusted ones). Default 1.'),
  quorum: z.number().int().describe('Agreeing results that decide a chunk: 1 to replication; default replication (2 for adaptive).'),
  maxAttempts: z.number().int().describe('The most results (ok, failed or disagreeing) a chunk may collect before it fails: 1 to 100.'),
  chunkTimeoutMs: z.number().int().optional().describe('How long a worker may run one chunk before aborting it (100 ms to 24 h); none by default.'),
  priority: z.number().int().describe('Share of the workers against other jobs: 1 to 100, default 1 (priority 2 gets twice the chunks).')
})
export type JobOptions = z.infer<typeof jobOptionsSchema>

/** Copies of a job issued to speed it up, counted since the scheduler started. */
export const jobStatsSchema = z.object({
  backups: z.number().int().describe('Backup copies issued for slow chunks.'),
  backupWins: z.number().int().describe('Chunks decided by their backup copy.'),
  resumed: z.number().int().describe('Copies issued to go on from the checkpoint of a lost copy, rather than from the beginning.'),
  transfers: z.number().int().describe('Leases moved from their worker to another by a transfer (a handoff), each counted once.')
})
export type JobStats = z.infer<typeof jobStatsSchema>

export const jobViewSchema = z.object({
  id: z.string(),
  task: z.string(),
  status: jobStatusSchema,
  progress: z.object({ done: z.number().int(), total: z.number().int() }).describe('Chunks decided, of all.'),
  chunks: z.object({
    waiting: z.number().int().describe('Copies waiting to be leased (chunks not yet started included).'),
    running: z.number().int().describe('Copies leased to workers and not answered yet.'),
    verifying: z.number().int().describe('Chunks with an ok result waiting for more to reach their quorum.'),
    done: z.number().int().describe('Chunks decided.'),
    failed: z.number().int().describe('Failed results over the job\'s life (GET /api/jobs/{id}/failures lists them).')
  }).describe('Where the job\'s chunks are.'),
  options: jobOptionsSchema,
  stats: jobStatsSchema,
  createdAt: z.string().describe('ISO 8601.'),
  finishedAt: z.string().optional().describe('ISO 8601, once it ended.'),
  error: z.string().optional().describe('Why it failed.')
})
export type JobView = z.infer<typeof jobViewSchema>

/** A failed result of a chunk's copy: `GET /api/jobs/{id}/failures` and `GET /api/failures`. */
export const failureViewSchema = z.object({
  jobId: z.string(),
  index: z.number().int().describe('The chunk.'),
  attempt: z.number().int().describe('Which copy of the chunk (1 for the first).'),
  worker: z.string().describe('The peer id of the worker that ran it.'),
  error: z.string().describe('What failed: the error\'s name and message, or why the output was refused.'),
  at: z.string().describe('ISO 8601.')
})
export type FailureView = z.infer<typeof failureViewSchema>

/** `POST /api/jobs` answers with the new job's id (201). */
export const submittedJobSchema = z.object({ id: z.string() })
export type SubmittedJob = z.infer<typeof submittedJobSchema>

/** One page of the job list, newest first. */
export interface JobPage {
  /** Jobs in the page: 1 to 500, default 50. */
  limit?: number
  /** A job id: only jobs submitted before it. */
  before?: string
}

/** `GET /api/jobs/:id/result` of a job with a JSON result. */
export const jsonResultSchema = z.object({ result: z.unknown().describe('The task\'s result (GET /api/tasks names each task\'s result type).') })
