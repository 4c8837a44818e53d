import { describe, expect, it } from 'vitest'

import {
  InvalidInputError, InvalidOutputError, InvalidParamsError, PoolNotRunningError, TaskAbortedError,
  TaskFailedError, UnknownTaskError
} from './errors.js'
import { fromThreadError, reviveError, serializeError, toThreadError } from './wire-error.js'

describe('errors', () => {
  it('name the condition and carry a default message', () => {
    const cases: Array<[Error, string, string]> = [
      [new InvalidParamsError('params.to'), 'InvalidParamsError', 'params.to is invalid'],
      [new InvalidParamsError('chunks', 'must be a positive integer'), 'InvalidParamsError', 'chunks must be a positive integer'],
      [new InvalidInputError('input.from'), 'InvalidInputError', 'input.from is invalid'],
      [new InvalidOutputError('output.count'), 'InvalidOutputError', 'output.count is invalid'],
      [new UnknownTaskError('x'), 'UnknownTaskError', 'unknown task "x"'],
      [new TaskAbortedError(), 'TaskAbortedError', 'the task was aborted'],
      [new TaskFailedError(), 'TaskFailedError', 'the task failed'],
      [new PoolNotRunningError(), 'PoolNotRunningError', 'the task pool is not running; call start() first']
    ]
    for (const [error, name, message] of cases) {
      expect(error).toBeInstanceOf(Error)
      expect([error.name, error.message]).toEqual([name, message])
    }
    expect(new InvalidParamsError('params.to').field).toBe('params.to')
  })

  it('travel as { name, message, field } and revive with the same name', () => {
    expect(serializeError(new InvalidOutputError('output.count', 'must be an integer')))
      .toEqual({ name: 'InvalidOutputError', message: 'output.count must be an integer', field: 'output.count' })
    expect(serializeError('boom')).toEqual({ name: 'TaskFailedError', message: 'the task threw a non-error: boom' })

    const revived = reviveError({ name: 'InvalidParamsError', message: 'params.to must be an integer', field: 'params.to' })
    expect(revived).toBeInstanceOf(InvalidParamsError)
    expect([revived.name, revived.message, (revived as InvalidParamsError).field])
      .toEqual(['InvalidParamsError', 'params.to must be an integer', 'params.to'])

    const foreign = reviveError({ name: 'RangeError', message: 'Invalid array length' })
    expect([foreign.name, foreign.message]).toEqual(['RangeError', 'Invalid array length'])
    const custom = reviveError({ name: 'SomethingOddError', message: 'odd' })
    expect([custom.name, custom.message]).toEqual(['SomethingOddError', 'odd'])
  })

  it('survive a structured clone (a thread boundary) by way of the cause', () => {
    const cloned = structuredClone(toThreadError(new UnknownTaskError('zeta')))
    expect(cloned.name).toBe('Error') // what cloning alone would leave
    expect(fromThreadError(cloned)).toEqual({ name: 'UnknownTaskError', message: 'unknown task "zeta"' })
    expect(fromThreadError(new Error('plain'))).toBeUndefined()
    expect(fromThreadError(null)).toBeUndefined()
  })
})
