/** Workers as `GET /api/workers` and the event stream show them. */
import { z } from 'zod'

export const workerStateSchema = z.enum(['idle', 'working', 'disconnected', 'excluded'])
export type WorkerState = z.infer<typeof workerStateSchema>

export const workerViewSchema = z.object({
  peerId: z.string(),
  threads: z.number().int(),
  tasks: z.array(z.string()).describe('The tasks it runs.'),
  state: workerStateSchema,
  chunksDone: z.number().int().describe('Chunks whose results were accepted, over the scheduler\'s whole history.'),
  chunksFailed: z.number().int(),
  valid: z.number().int().describe('Of chunksDone: results a quorum of other workers\' results confirmed (its trust).'),
  invalid: z.number().int().describe('Results outvoted by a quorum.'),
  credit: z.number().describe('CPU-seconds of its validated results (accepted single copies, and copies a quorum agreed with): its credit, as BOINC counts it.'),
  excluded: z.string().optional().describe('Why the worker gets no more work, if it does not.'),
  throttled: z.string().optional().describe('Why its pulls are being dropped for now (over its pull budget, or backed off after refusals), if they are.'),
  lastSeen: z.string().describe('ISO 8601 time of the last message from this worker.')
})
export type WorkerView = z.infer<typeof workerViewSchema>
