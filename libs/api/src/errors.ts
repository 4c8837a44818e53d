import { z } from 'zod'

/** A request body, query or path that does not make sense; the message names the field. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError'
}

/** The body every answer of 4xx or 5xx carries. */
export const errorBodySchema = z.object({
  statusCode: z.number().int(),
  error: z.string().describe('The error\'s name, e.g. InvalidRequestError, JobNotFoundError.'),
  message: z.string().describe('What is wrong, naming the field.')
})
export type ErrorBody = z.infer<typeof errorBodySchema>
