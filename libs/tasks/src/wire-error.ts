/**
 * Errors crossing the thread boundary. Structured cloning keeps an Error's message but resets
 * its `name` to `Error` (and drops own fields) unless it is a built-in kind, while it keeps
 * `cause`; so the worker ships `{ name, message, field }` as the cause and the pool revives it.
 */
import {
  InvalidCheckpointError, InvalidInputError, InvalidOutputError, InvalidParamsError, PoolNotRunningError, TaskAbortedError,
  TaskFailedError, UnknownTaskError
} from './errors.js'

/** How an error travels between threads and over the wire. */
export interface SerializedError { name: string, message: string, field?: string }

const WIRE_MARK = 'cycleshare.error'

export function serializeError (error: unknown): SerializedError {
  if (error instanceof Error) {
    const field = (error as { field?: unknown }).field
    return typeof field === 'string'
      ? { name: error.name, message: error.message, field }
      : { name: error.name, message: error.message }
  }
  return { name: 'TaskFailedError', message: `the task threw a non-error: ${String(error)}` }
}

/** An Error whose `cause` carries the original's name and message across `postMessage`. */
export function toThreadError (error: unknown): Error {
  const serialized = serializeError(error)
  return new Error(serialized.message, { cause: { [WIRE_MARK]: serialized } })
}

/** The serialized error inside an error from `toThreadError`, or undefined for any other error. */
export function fromThreadError (error: unknown): SerializedError | undefined {
  const cause = (error as { cause?: Record<string, unknown> } | null)?.cause
  const serialized = cause?.[WIRE_MARK] as Partial<SerializedError> | undefined
  if (typeof serialized?.name !== 'string' || typeof serialized.message !== 'string') return undefined
  return serialized as SerializedError
}

/** Rebuilds an error of our own kind from its serialized form; other names keep name and message. */
export function reviveError ({ name, message, field }: SerializedError): Error {
  let error: Error
  switch (name) {
    case 'InvalidParamsError': error = new InvalidParamsError(field ?? 'params'); break
    case 'InvalidInputError': error = new InvalidInputError(field ?? 'input'); break
    case 'InvalidOutputError': error = new InvalidOutputError(field ?? 'output'); break
    case 'InvalidCheckpointError': error = new InvalidCheckpointError(field ?? 'checkpoint'); break
    case 'UnknownTaskError': error = new UnknownTaskError(''); break
    case 'TaskAbortedError': error = new TaskAbortedError(); break
    case 'TaskFailedError': error = new TaskFailedError(); break
    case 'PoolNotRunningError': error = new PoolNotRunningError(); break
    default: error = new Error(message); Object.defineProperty(error, 'name', { value: name, configurable: true, writable: true })
  }
  error.message = message
  return error
}
