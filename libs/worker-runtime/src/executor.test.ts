import { describe, expect, it } from 'vitest'
import type { Lease } from '@cycleshare/protocol'
import type { BatchOutcome, TaskPool } from '@cycleshare/tasks'
import { createExecutor, pickBatch, type RunEnd } from './executor.js'
import type { Logger } from './logger.js'

const lease = (leaseId: string, task = 'primes', timeoutMs?: number): Lease =>
  ({ leaseId, jobId: 'j', index: Number(leaseId.slice(1)), attempt: 1, epoch: 1, task, input: { leaseId }, ttlMs: 3_000, timeoutMs })
const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

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

describe('pickBatch', () => {
  const queue = [lease('L0'), lease('L1'), lease('L2', 'pi'), lease('L3'), lease('L4', 'primes', 1_000), lease('L5'), lease('L6')]

  it('runs chunks of 1 ms or more one at a time', () => {
    expect(pickBatch(queue, queue.length, 1, 2).map(l => l.leaseId)).toEqual(['L0'])
  })

  it('gathers tiny chunks of the first one\'s task, leaving the other threads their share', () => {
    // 7 queued over 2 threads: a share of 4; 0.5 ms chunks fill 5 ms with 10.
    expect(pickBatch(queue, queue.length, 0.5, 2).map(l => l.leaseId)).toEqual(['L0', 'L1', 'L3', 'L5'])
    // One thread: everything of that task without a time limit, within 5 ms of work.
    expect(pickBatch(queue, queue.length, 0.5, 1).map(l => l.leaseId)).toEqual(['L0', 'L1', 'L3', 'L5', 'L6'])
    const twenty = Array.from({ length: 20 }, (_, i) => lease(`L${i}`))
    expect(pickBatch(twenty, twenty.length, 0.9, 1)).toHaveLength(5) // ⌊5 / 0.9⌋
    expect(pickBatch(twenty, twenty.length, 0.2, 1)).toHaveLength(20) // 25 fit; 20 are there
  })

  it('runs a chunk with a time limit alone', () => {
    expect(pickBatch([lease('L4', 'primes', 1_000), lease('L5')], 2, 0.01, 1).map(l => l.leaseId)).toEqual(['L4'])
  })

  it('takes at most 256 chunks in one batch', () => {
    const many = Array.from({ length: 1_000 }, (_, i) => lease(`L${i}`))
    expect(pickBatch(many, many.length, 0.001, 1)).toHaveLength(256)
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
})
