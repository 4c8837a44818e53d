import { describe, expect, it } from 'vitest'
import { startInOrder, type Startable } from './index.js'

/** A part that writes what happens to it into `log`, failing where it is told to. */
class Part implements Startable {
  constructor (
    private readonly name: string,
    private readonly log: string[],
    private readonly fail: { start?: Error, stop?: Error } = {},
    private readonly later = false
  ) {}

  start (): void | Promise<void> {
    return this.step('start', this.fail.start)
  }

  stop (): void | Promise<void> {
    return this.step('stop', this.fail.stop)
  }

  private step (what: string, error: Error | undefined): void | Promise<void> {
    const act = (): void => {
      this.log.push(`${what} ${this.name}`)
      if (error !== undefined) throw error
    }
    if (!this.later) { act(); return }
    return new Promise<void>(resolve => setImmediate(resolve)).then(act)
  }
}

describe('startInOrder', () => {
  it('starts the parts in order, each once the one before it has, and stops them in reverse', async () => {
    const log: string[] = []
    const stop = await startInOrder([new Part('a', log, {}, true), new Part('b', log), new Part('c', log, {}, true)])
    expect(log).toEqual(['start a', 'start b', 'start c'])
    await stop()
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a'])
  })

  it('stops the parts once, however often the stop function is called', async () => {
    const log: string[] = []
    const stop = await startInOrder([new Part('a', log), new Part('b', log, {}, true)])
    await Promise.all([stop(), stop()])
    await stop()
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a'])
  })

  it('when a part fails to start, stops those started before it in reverse and rethrows the failure', async () => {
    const log: string[] = []
    const failure = new Error('port in use')
    const started = startInOrder([new Part('a', log), new Part('b', log, {}, true), new Part('c', log, { start: failure }), new Part('d', log)])
    await expect(started).rejects.toBe(failure)
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop b', 'stop a'])
  })

  it('takes a start that throws at once like one that rejects', async () => {
    const log: string[] = []
    const failure = new TypeError('bad option')
    await expect(startInOrder([new Part('a', log), { start: () => { throw failure }, stop: () => {} }])).rejects.toBe(failure)
    expect(log).toEqual(['start a', 'stop a'])
  })

  it('when stopping after a failed start fails too, throws both, the start failure first', async () => {
    const log: string[] = []
    const startFailure = new Error('port in use')
    const stopFailure = new Error('still busy')
    const started = startInOrder([new Part('a', log), new Part('b', log, { stop: stopFailure }), new Part('c', log, { start: startFailure })])
    const err = await started.then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(AggregateError)
    expect((err as AggregateError).errors).toEqual([startFailure, stopFailure])
    expect((err as AggregateError).cause).toBe(startFailure)
    expect((err as AggregateError).message).toBe(
      'parts[2] (Part) failed to start (port in use), and stopping the parts started before it failed too: parts[1] (Part): still busy')
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop b', 'stop a'])
  })

  it('stops every part even when some fail to stop, then throws an AggregateError naming those', async () => {
    const log: string[] = []
    const first = new Error('will not close')
    const second = new Error('timed out')
    const plain: Startable = { start: () => { log.push('start plain') }, stop: async () => { log.push('stop plain'); throw second } }
    const stop = await startInOrder([plain, new Part('b', log), new Part('c', log, { stop: first }, true), new Part('d', log)])
    const err = await stop().then(() => undefined, (e: unknown) => e)
    expect(log).toEqual(['start plain', 'start b', 'start c', 'start d', 'stop d', 'stop c', 'stop b', 'stop plain'])
    expect(err).toBeInstanceOf(AggregateError)
    expect((err as AggregateError).errors).toEqual([first, second])
    expect((err as AggregateError).message).toBe('2 of 4 parts failed to stop: parts[2] (Part): will not close; parts[0]: timed out')
  })

  it('starts and stops an empty list', async () => {
    const stop = await startInOrder([])
    await expect(stop()).resolves.toBeUndefined()
  })

  it('refuses what is not a list of Startables before starting anything', async () => {
    const log: string[] = []
    await expect(startInOrder('pool' as never)).rejects.toThrow(new TypeError('parts must be an array of { start, stop }'))
    await expect(startInOrder([new Part('a', log), { start: () => {} } as never])).rejects.toThrow(new TypeError('parts[1] must have start() and stop() methods'))
    await expect(startInOrder([null as never])).rejects.toThrow(new TypeError('parts[0] must have start() and stop() methods'))
    expect(log).toEqual([])
  })
})
