/** A task as `GET /api/tasks` lists it. */
import { z } from 'zod'

export const taskViewSchema = z.object({
  name: z.string(),
  kind: z.enum(['built-in', 'wasm']),
  description: z.string(),
  resultType: z.string().describe('The media type of its result: application/json, image/png.'),
  exampleParams: z.unknown(),
  version: z.string().optional().describe('Custom tasks: the version.'),
  module: z.string().optional().describe('Custom tasks: the module\'s blob name.'),
  signer: z.string().optional().describe('Custom tasks: the peer id that signed its record.'),
  registeredAt: z.string().optional().describe('Custom tasks: ISO 8601.')
})
export type TaskView = z.infer<typeof taskViewSchema>
