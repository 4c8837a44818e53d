/** The API answered with an error: its status, the error's name and its message (which names the field). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor (readonly status: number, readonly error: string, message: string) {
    super(message)
  }
}

/** No answer at all: nothing listens at the address, or the connection failed. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError'
  constructor (readonly url: string, reason: string) {
    super(`cannot reach ${url}: ${reason}`)
  }
}
