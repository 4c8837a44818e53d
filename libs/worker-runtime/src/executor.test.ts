import { describe, expect, it } from 'vitest'
import type { Lease } from '@cycleshare/protocol'
import type { BatchOutcome, RunOptions, TaskPool } from '@cycleshare/tasks'
import { createExecutor, pickBatch, type RunEnd } from './executor.js'
import type { Logger } from './logger.js'

const lease = (leaseId: string, task = 'primes', timeoutMs?: number): Lease =>
  ({ leaseId, jobId: 'j', index: Number(leaseId.slice(1)), attempt: 1, epoch: 1, task, input: { leaseId }, ttlMs: 3_000, timeoutMs })
const resumed = (leaseId: string, resume: unknown): Lease => ({ ...lease(leaseId), resume })
const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

function recordingLog (): Logger & { lines: Array<[string, Record<string, unknown>]> } {
  const lines: Array<[string, Record<string, unknown>]> = []
  const at = (level: string) => (fields: Record<string, unknown>, message: string): void => { lines.push([`${level}: ${message}`, fields]) }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

interface ScriptedRun { input: unknown, options: RunOptions | undefined, finish: (output: unknown) => void, fail: (err: Error) => void }

/** A pool whose single runs end when the test says so; each run keeps the options it was given. */
function scriptedPool (): TaskPool & { runs: ScriptedRun[] } {
  const runs: ScriptedRun[] = []
  return {
    runs,
    threads: 1,
    running: 0,
    start: async () => {},
    stop: async () => {},
    run: async (_task, input, options) => await new Promise((resolve, reject) => { runs.push({ input, options, finish: resolve, fail: reject }) }),
    runBatch: async (): Promise<BatchOutcome[]> => { throw new Error('no batches here') }
  }
}

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name })

/** Resolves once `ready()` is true, checking after each turn of the event loop. */
async function until (ready: () => boolean): Promise<void> {
  await new Promise<void>((resolve) => { const check = (): void => { if (ready()) resolve(); else setImmediate(check) }; check() })
}

/** A pool whose runs never end unless aborted: no threads. */
function hangingPool (): TaskPool & { runs: string[] } {
  const runs: string[] = []
  const hang = async (signal?: AbortSignal): Promise<never> => await new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => { reject(Object.assign(new Error('the task was aborted'), { name: 'TaskAbortedError' })) })
  })
  return {
    runs,
    threads: 1,
    running: 0,
    start: async () => {},
    stop: async () => {},
    run: async (task, input, options) => { runs.push(`${task} ${JSON.stringify(input)}`); return await hang(options?.signal) },
    runBatch: async (task, inputs, signal): Promise<BatchOutcome[]> => { runs.push(`${task} ×${inputs.length}`); return await hang(signal) }
  }
}

/** An executor of `threads` threads on a scripted pool, with a recording log. */
function scripted (threads: number) {
  const pool = scriptedPool()
  const log = recordingLog()
  return { pool, log, executor: createExecutor({ pool, log, threadFree: () => {} }, { threads, maxCpu: 100 }) }
}

describe('pickBatch', () => {
  const queue = [lease('L0'), lease('L1'), lease('L2', 'pi'), lease('L3'), lease('L4', 'primes', 1_000), lease('L5'), lease('L6')]

  it('runs chunks of 1 ms or more one at a time', () => {
    expect(pickBatch(queue, queue.length, () => 1, 2).map(l => l.leaseId)).toEqual(['L0'])
  })

  it('gathers tiny chunks of the first one\'s task, leaving the other threads their share', () => {
    // 7 queued over 2 threads: a share of 4; 0.5 ms chunks fill 5 ms with 10.
    expect(pickBatch(queue, queue.length, () => 0.5, 2).map(l => l.leaseId)).toEqual(['L0', 'L1', 'L3', 'L5'])
    // One thread: everything of that task without a time limit, within 5 ms of work.
    expect(pickBatch(queue, queue.length, () => 0.5, 1).map(l => l.leaseId)).toEqual(['L0', 'L1', 'L3', 'L5', 'L6'])
    const twenty = Array.from({ length: 20 }, (_, i) => lease(`L${i}`))
    expect(pickBatch(twenty, twenty.length, () => 0.9, 1)).toHaveLength(5) // ⌊5 / 0.9⌋
    expect(pickBatch(twenty, twenty.length, () => 0.2, 1)).toHaveLength(20) // 25 fit; 20 are there
  })

  it('runs a chunk with a time limit alone', () => {
    expect(pickBatch([lease('L4', 'primes', 1_000), lease('L5')], 2, () => 0.01, 1).map(l => l.leaseId)).toEqual(['L4'])
  })

  it('runs a chunk with a resume state alone: only a run alone goes on from one', () => {
    const queue = [resumed('L1', { done: 5 }), lease('L2'), resumed('L3', { done: 1 }), lease('L4')]
    expect(pickBatch(queue, 4, () => 0.01, 1).map(l => l.leaseId)).toEqual(['L1'])
    expect(pickBatch(queue.slice(1), 3, () => 0.01, 1).map(l => l.leaseId)).toEqual(['L2', 'L4'])
  })

  it('gathers only the first one\'s job, at that job\'s pace', () => {
    const mixed = [lease('L0'), { ...lease('L1'), jobId: 'k' }, lease('L2'), { ...lease('L3'), jobId: 'k' }]
    const paceOf = (l: Lease): number => l.jobId === 'j' ? 0.5 : 10
    expect(pickBatch(mixed, 4, paceOf, 1).map(l => l.leaseId)).toEqual(['L0', 'L2'])
    expect(pickBatch(mixed.slice(1), 3, paceOf, 1).map(l => l.leaseId)).toEqual(['L1']) // k's chunks take 10 ms
  })

  it('takes at most 256 chunks in one batch', () => {
    const many = Array.from({ length: 1_000 }, (_, i) => lease(`L${i}`))
    expect(pickBatch(many, many.length, () => 0.001, 1)).toHaveLength(256)
  })
})

describe('executor', () => {
  it('stops a chunk past its time limit and reports it failed with TaskTimeoutError', async () => {
    const pool = hangingPool()
    const free: number[] = []
    const executor = createExecutor({ pool, log: silent, threadFree: () => { free.push(executor.freeThreads) } }, { threads: 1, maxCpu: 100 })
    const end = await new Promise<RunEnd>((resolve) => {
      executor.run([lease('L7', 'primes', 20)], resolve)
      expect(executor.freeThreads).toBe(0)
    })
    expect(end.results).toEqual([{ leaseId: 'L7', ok: false, error: { name: 'TaskTimeoutError', message: 'chunk 7 of primes ran longer than 20 ms' } }])
    expect(end.paced).toBe(false)
    expect(free).toEqual([1])
  })

  it('paces a run by the time its thread measured when the pool tells it (a thread\'s start is not the job\'s)', async () => {
    const pool = scriptedPool()
    const executor = createExecutor({ pool, log: silent, threadFree: () => {} }, { threads: 1, maxCpu: 100 })
    const ended = new Promise<RunEnd>((resolve) => { executor.run([lease('L1')], resolve) })
    pool.runs[0].options?.onRan?.(7)
    pool.runs[0].finish({ count: 1 })
    expect((await ended).occupiedMs).toBe(7)
  })

  it('counts a run under a CPU cap as occupying its thread for the run and the rest it earns', async () => {
    const pool = scriptedPool()
    const executor = createExecutor({ pool, log: silent, threadFree: () => {} }, { threads: 1, maxCpu: 25 })
    const started = performance.now()
    const ended = new Promise<RunEnd>((resolve) => { executor.run([lease('L1')], resolve) })
    // The run lasts at least 20 ms; at 25 % it then rests three times as long.
    await new Promise(resolve => setTimeout(resolve, 20))
    pool.runs[0].finish({ count: 1 })
    const end = await ended
    const ranAtMost = performance.now() - started
    expect(end.occupiedMs).toBeGreaterThanOrEqual(4 * 19)
    expect(end.occupiedMs).toBeLessThanOrEqual(4 * ranAtMost)
    expect(executor.freeThreads).toBe(0) // resting
    executor.stop()
  })

  it('ends an aborted run without results, and a batch as a whole', async () => {
    const pool = hangingPool()
    const executor = createExecutor({ pool, log: silent, threadFree: () => {} }, { threads: 2, maxCpu: 100 })
    const ends: RunEnd[] = []
    const one = executor.run([lease('L1')], (e) => { ends.push(e) })
    const batch = executor.run([lease('L2'), lease('L3')], (e) => { ends.push(e) })
    expect([one.batched, batch.batched, executor.freeThreads]).toEqual([false, true, 0])
    expect(pool.runs).toEqual(['primes {"leaseId":"L1"}', 'primes ×2'])
    one.abort()
    executor.stop()
    await new Promise<void>((resolve) => { const check = (): void => { if (ends.length === 2) resolve(); else setImmediate(check) }; check() })
    expect(ends.map(e => e.results)).toEqual([undefined, undefined])
    expect(executor.freeThreads).toBe(0) // stopped: nothing more starts
  })

  it('runs a lease alone from its resume state and hands on each checkpoint its run takes', async () => {
    const { pool, log, executor } = scripted(1)
    const checkpoints: Array<[string, unknown]> = []
    const ends: RunEnd[] = []
    executor.run([resumed('L1', { done: 4 })], (e) => { ends.push(e) }, (leaseId, state) => { checkpoints.push([leaseId, state]) })
    expect(pool.runs).toHaveLength(1)
    expect(pool.runs[0].input).toEqual({ leaseId: 'L1' })
    expect(pool.runs[0].options?.resume).toEqual({ done: 4 })
    pool.runs[0].options?.onCheckpoint?.({ done: 5 })
    pool.runs[0].options?.onCheckpoint?.({ done: 6 })
    expect(checkpoints).toEqual([['L1', { done: 5 }], ['L1', { done: 6 }]])
    pool.runs[0].finish({ count: 3 })
    await until(() => ends.length === 1)
    expect(ends[0].results).toEqual([{ leaseId: 'L1', ok: true, output: { count: 3 } }])
    expect(log.lines).toEqual([['info: chunk resumed from a checkpoint', { leaseId: 'L1', state: { done: 4 } }]])
  })

  it('runs a lease without a resume state (or a nil one) from the beginning', () => {
    const { pool, log, executor } = scripted(2)
    executor.run([lease('L1')], () => {}, () => {})
    executor.run([resumed('L2', null)], () => {}, () => {})
    expect(pool.runs.map(r => r.options?.resume)).toEqual([undefined, undefined])
    expect(pool.runs.map(r => typeof r.options?.onCheckpoint)).toEqual(['function', 'function'])
    expect(log.lines).toEqual([])
    executor.stop()
  })

  it('runs a lease again from the beginning when the task refuses its resume state, and reports its output', async () => {
    const { pool, log, executor } = scripted(1)
    const checkpoints: Array<[string, unknown]> = []
    const ends: RunEnd[] = []
    executor.run([resumed('L1', { done: 99 })], (e) => { ends.push(e) }, (leaseId, state) => { checkpoints.push([leaseId, state]) })
    pool.runs[0].fail(named('InvalidCheckpointError', 'checkpoint.done must be an integer from 0 to 10'))
    await until(() => pool.runs.length === 2)
    expect(pool.runs[1].options?.resume).toBeUndefined()
    expect(ends).toEqual([]) // still running, on the same thread
    expect(executor.freeThreads).toBe(0)
    pool.runs[1].options?.onCheckpoint?.({ done: 1 })
    pool.runs[1].finish({ count: 4 })
    await until(() => ends.length === 1)
    expect(ends[0].results).toEqual([{ leaseId: 'L1', ok: true, output: { count: 4 } }])
    expect(checkpoints).toEqual([['L1', { done: 1 }]])
    expect(log.lines).toEqual([
      ['info: chunk resumed from a checkpoint', { leaseId: 'L1', state: { done: 99 } }],
      ['warn: checkpoint refused by the task; chunk runs from the beginning', { leaseId: 'L1', task: 'primes', err: 'checkpoint.done must be an integer from 0 to 10' }]
    ])
  })

  it('reports any other failure of a resumed run, and an InvalidCheckpointError of a run from the beginning, as the chunk\'s failure', async () => {
    const pool = scriptedPool()
    const executor = createExecutor({ pool, log: silent, threadFree: () => {} }, { threads: 2, maxCpu: 100 })
    const ends: RunEnd[] = []
    executor.run([resumed('L1', { done: 1 })], (e) => { ends.push(e) })
    executor.run([lease('L2')], (e) => { ends.push(e) })
    pool.runs[0].fail(named('RangeError', 'too far'))
    pool.runs[1].fail(named('InvalidCheckpointError', 'checkpoint is given, but primes does not checkpoint'))
    await until(() => ends.length === 2)
    expect(pool.runs).toHaveLength(2)
    expect(ends.map(e => e.results)).toEqual([
      [{ leaseId: 'L1', ok: false, error: { name: 'RangeError', message: 'too far' } }],
      [{ leaseId: 'L2', ok: false, error: { name: 'InvalidCheckpointError', message: 'checkpoint is given, but primes does not checkpoint' } }]
    ])
  })
})
