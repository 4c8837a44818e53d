/**
 * One error class per condition. Errors that cross a thread or the wire travel as
 * `{ name, message }` and are recognised by `name`, never by bare `instanceof`.
 */

/** Params of a job request are invalid; `field` is the path of what is wrong (`params.to`, `chunks`). Do not retry. */
export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError'
  readonly field: string

  constructor (field: string, problem = 'is invalid') {
    super(`${field} ${problem}`)
    this.field = field
  }
}

/** A chunk input handed to `run` is malformed (a broken or hostile peer sent it). Do not retry. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError'
  readonly field: string

  constructor (field: string, problem = 'is invalid') {
    super(`${field} ${problem}`)
    this.field = field
  }
}

/** A chunk output that came back over the network is malformed or impossible for its input. */
export class InvalidOutputError extends Error {
  override readonly name = 'InvalidOutputError'
  readonly field: string

  constructor (field: string, problem = 'is invalid') {
    super(`${field} ${problem}`)
    this.field = field
  }
}

/** A checkpoint to resume a chunk from (it may have come from another peer) is malformed or impossible for its input. */
export class InvalidCheckpointError extends Error {
  override readonly name = 'InvalidCheckpointError'
  readonly field: string

  constructor (field: string, problem = 'is invalid') {
    super(`${field} ${problem}`)
    this.field = field
  }
}

/** No built-in task has this name. */
export class UnknownTaskError extends Error {
  override readonly name = 'UnknownTaskError'
  readonly task: string

  constructor (task: string, message = `unknown task ${JSON.stringify(task)}`) {
    super(message)
    this.task = task
  }
}

/** The chunk was aborted (lease cancelled, pool stopped) before it finished. */
export class TaskAbortedError extends Error {
  override readonly name = 'TaskAbortedError'

  constructor (message = 'the task was aborted') {
    super(message)
  }
}

/** The chunk failed for a reason that is not one of ours: the thread died, ran out of memory, or threw a non-error. */
export class TaskFailedError extends Error {
  override readonly name = 'TaskFailedError'

  constructor (message = 'the task failed', options?: ErrorOptions) {
    super(message, options)
  }
}

/** `run` was called on a pool that is not started (or already stopped). */
export class PoolNotRunningError extends Error {
  override readonly name = 'PoolNotRunningError'

  constructor (message = 'the task pool is not running; call start() first') {
    super(message)
  }
}

/** A task manifest (a custom WebAssembly task's description) is malformed; `field` is the path of what is wrong (`manifest.split.from`). */
export class InvalidManifestError extends Error {
  override readonly name = 'InvalidManifestError'
  readonly field: string

  constructor (field: string, problem = 'is invalid') {
    super(`${field} ${problem}`)
    this.field = field
  }
}

/** A WebAssembly module does not compile or does not keep to the task ABI (docs/TASKS.md). */
export class InvalidModuleError extends Error {
  override readonly name = 'InvalidModuleError'

  constructor (message: string) {
    super(message)
  }
}

/**
 * A WebAssembly task stopped with an error of its own: a trap (`unreachable`, an access out of
 * bounds, memory exhausted at its cap), an `abort`, a `fail` call, or an output past its limit.
 */
export class WasmTaskError extends Error {
  override readonly name = 'WasmTaskError'

  constructor (message: string) {
    super(message)
  }
}
