/** What `GET /api/health` answers. */
import { z } from 'zod'

/** Counts since the accumulation point started. */
export const dispatchStatsSchema = z.object({
  pulls: z.number().int().describe('Pulls taken (from connected peers, within their budgets).'),
  emptyPulls: z.number().int().describe('Pulls that found nothing to lease.'),
  assigns: z.number().int().describe('Assigns sent.'),
  leases: z.number().int().describe('Leases the assigns carried.')
})
export type DispatchStats = z.infer<typeof dispatchStatsSchema>

export const blobServerStatsSchema = z.object({
  piecesServed: z.number().int().describe('Blob pieces sent to peers since start.'),
  bytesServed: z.number().int()
})
export type BlobServerStats = z.infer<typeof blobServerStatsSchema>

export const healthViewSchema = z.object({
  status: z.literal('ok'),
  peerId: z.string(),
  multiaddrs: z.array(z.string()),
  dispatch: dispatchStatsSchema,
  blobs: blobServerStatsSchema
})
export type HealthView = z.infer<typeof healthViewSchema>
