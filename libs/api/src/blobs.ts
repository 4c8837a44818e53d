/** A blob as `GET /api/blobs` lists it and `POST /api/blobs` answers. */
import { z } from 'zod'

export const blobViewSchema = z.object({
  name: z.string().describe('Its content address: a CIDv1 of its manifest ("bafkrei…").'),
  size: z.number().int(),
  pieces: z.number().int(),
  complete: z.boolean().describe('False while it is still being fetched from peers.'),
  inUse: z.boolean().describe('Needed by a queued or running job (or being read): it is not evicted.'),
  lastUsed: z.string().describe('ISO 8601.')
})
export type BlobView = z.infer<typeof blobViewSchema>
