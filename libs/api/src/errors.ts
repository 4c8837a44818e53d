/** A request body, query or path that does not make sense; the message names the field. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError'
}

/** The error body every API answer of 4xx or 5xx carries. */
export interface ErrorBody {
  statusCode: number
  /** The error's name, e.g. `InvalidRequestError`, `JobNotFoundError`. */
  error: string
  message: string
}
