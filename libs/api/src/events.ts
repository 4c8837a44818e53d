import { z } from 'zod'
import type { JobView } from './jobs.js'
import type { WorkerView } from './workers.js'

export const chunkEventKindSchema = z.enum(['leased', 'ok', 'failed', 'lost', 'moved', 'revoked'])
export type ChunkEventKind = z.infer<typeof chunkEventKindSchema>

/**
 * What happened to one copy of a chunk: leased to a worker, answered ok or failed, lost (expired
 * or released), moved to another worker (a handoff), or revoked (decided by another copy).
 */
export const chunkEventSchema = z.object({
  jobId: z.string(),
  index: z.number().int(),
  attempt: z.number().int(),
  worker: z.string(),
  kind: chunkEventKindSchema,
  at: z.number().int().describe('Milliseconds since the epoch.'),
  error: z.string().optional().describe('Why it failed, for failed.')
})
export type ChunkEvent = z.infer<typeof chunkEventSchema>

/**
 * A frame of the event stream (`ws://host:port/api/events`), JSON: a job's view when its status
 * changes (at once) or its progress moves (at most every 100 ms); a worker's view when it changes
 * (at most every 100 ms each); a job's id when it is removed (DELETE, or --retain); and, to a client that connected with `?chunks=1`, what happened to
 * chunk copies, gathered over 100 ms.
 */
export type ApiEvent =
  | { event: 'job', data: JobView }
  | { event: 'removed', data: { id: string } }
  | { event: 'worker', data: WorkerView }
  | { event: 'chunks', data: { events: ChunkEvent[], dropped: number } }
