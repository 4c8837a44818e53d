/**
 * One error class per condition. Callers (the coordinator's HTTP filter) recognise them by `name`,
 * which survives a trip over the wire where `instanceof` does not.
 */

/** The job request is malformed; `field` names what is wrong (`task`, `chunks`, `params.to`). */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError'
  readonly field: string

  constructor (field: string, message = `${field} is invalid`) {
    super(message)
    this.field = field
  }
}

/** The job asks for a task this scheduler does not know. */
export class UnknownTaskError extends Error {
  override readonly name = 'UnknownTaskError'

  constructor (task?: string) {
    super(task === undefined ? 'unknown task' : `unknown task ${JSON.stringify(task)}`)
  }
}

/** No job has this id. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError'

  constructor (id?: string) {
    super(id === undefined ? 'job not found' : `job ${JSON.stringify(id)} not found`)
  }
}

/** The job has no result (yet, or ever): the message says its status. */
export class JobNotDoneError extends Error {
  override readonly name = 'JobNotDoneError'

  constructor (id?: string, status?: string) {
    super(id === undefined || status === undefined
      ? 'job is not done'
      : `job ${JSON.stringify(id)} is ${status}, not done`)
  }
}

/** The job is queued or running: only a finished job can be removed. */
export class JobNotFinishedError extends Error {
  override readonly name = 'JobNotFinishedError'

  constructor (id: string, status: string) {
    super(`job ${JSON.stringify(id)} is ${status}: cancel it before removing it`)
  }
}

/** An error as one line, `Name: message`, for a job's or a chunk's failure text. */
export function describeError (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : `Error: ${String(err)}`
}

/** A worker's reported error as one line; it is untrusted, so anything but strings is replaced. */
export function describeWireError (err: unknown): string {
  const { name, message } = (err ?? {}) as { name?: unknown, message?: unknown }
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : String(message)}`
}

/** Why a result, renewal or checkpoint of a lease the sender does not hold is refused. */
export const NOT_HELD = 'not the holder of this lease'
