// Runs real Piscina threads on the compiled worker: build first (`npx tsc -b` in libs/tasks).
import { readFileSync } from 'node:fs'

import { Piscina } from 'piscina'
import { afterEach, describe, expect, it } from 'vitest'

import { mandelbrot, type MandelbrotOutput } from './mandelbrot.js'
import { createTaskPool, type TaskPool, workerPath } from './pool.js'
import { countPrimes, primes } from './primes.js'
import { probe } from './probe.js'
import { sameOutput } from './task.js'

const pools: TaskPool[] = []
async function startedPool (threads = 2): Promise<TaskPool> {
  const pool = createTaskPool({ threads, idleTimeoutMs: 1000 })
  pools.push(pool)
  await pool.start()
  return pool
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map(async (pool) => pool.stop()))
})

describe('createTaskPool', () => {
  it('validates its options, naming the option', () => {
    expect(() => createTaskPool({ threads: 0 })).toThrow(new RangeError('options.threads must be an integer of at least 1, got 0'))
    expect(() => createTaskPool({ threads: 1.5 })).toThrow(RangeError)
    expect(() => createTaskPool({ threads: '2' as unknown as number })).toThrow(new TypeError('options.threads must be a number'))
    expect(() => createTaskPool({ maxMemoryMb: 8 })).toThrow(/options\.maxMemoryMb/)
    expect(() => createTaskPool({ idleTimeoutMs: -1 })).toThrow(/options\.idleTimeoutMs/)
    expect(() => createTaskPool(null as never)).toThrow(TypeError)
    expect(createTaskPool().threads).toBeGreaterThanOrEqual(1)
  })

  it('finds the compiled worker', () => {
    expect(workerPath).toMatch(/libs\/tasks\/dist\/worker\.js$/)
  })
})

describe('TaskPool', () => {
  it('runs a batch of small chunks in one thread hop, one outcome per chunk, a failure kept to its chunk', async () => {
    const pool = await startedPool(1)
    const params = probe.parseParams({ failAt: [2] }, 5)
    const inputs = [0, 1, 2, 3, 4].map((i) => probe.chunk(params, 5, i))
    const outcomes = await pool.runBatch('probe', inputs)
    expect(outcomes.map((o) => o.ok ? o.output : { name: o.error.name, message: o.error.message })).toEqual([
      { index: 0 }, { index: 1 }, { name: 'ProbeFailureError', message: 'probe chunk 2 failed as asked (params.failAt)' }, { index: 3 }, { index: 4 }
    ])
    expect(pool.running).toBe(0)
  })

  it('tells how long a chunk and a batch ran in their thread, the thread\'s start not counted', async () => {
    const pool = await startedPool(1)
    const params = probe.parseParams({ spinMs: 30 }, 2)
    const ran: number[] = []
    const started = performance.now()
    // The first run also starts the thread: its wall time is longer than what the thread measured.
    await expect(pool.run('probe', probe.chunk(params, 2, 0), { onRan: (ms) => { ran.push(ms) } })).resolves.toEqual({ index: 0 })
    const firstWall = performance.now() - started
    const outcomes = await pool.runBatch('probe', [probe.chunk(params, 2, 0), probe.chunk(params, 2, 1)], undefined, (ms) => { ran.push(ms) })
    expect(outcomes.map(o => o.ok)).toEqual([true, true])
    expect(ran).toHaveLength(2)
    // The probe spins by the millisecond clock (Date.now): a 30 ms spin can measure a little less.
    expect(ran[0]).toBeGreaterThanOrEqual(28)
    expect(ran[0]).toBeLessThan(firstWall)
    expect(ran[1]).toBeGreaterThanOrEqual(58)
  })

  it('refuses work before start and after stop', async () => {
    const pool = createTaskPool({ threads: 1 })
    await expect(pool.run('primes', { from: 0, to: 10 })).rejects.toMatchObject({ name: 'PoolNotRunningError' })
    await pool.start()
    await expect(pool.run('primes', { from: 0, to: 10 })).resolves.toEqual({ count: 4 })
    await pool.stop()
    await expect(pool.run('primes', { from: 0, to: 10 })).rejects.toMatchObject({ name: 'PoolNotRunningError' })
  })

  it('runs primes chunks on two threads with exact counts', async () => {
    const pool = await startedPool(2)
    expect(pool.threads).toBe(2)
    const params = primes.parseParams({ from: 0, to: 10_000_000 }, 8)
    const inputs = Array.from({ length: 8 }, (_, index) => primes.chunk(params, 8, index))
    const pending = inputs.map(async (input) => pool.run('primes', input))
    expect(pool.running).toBe(8)
    const outputs = await Promise.all(pending)
    expect(pool.running).toBe(0)
    outputs.forEach((output, index) => expect(output).toEqual({ count: countPrimes(inputs[index].from, inputs[index].to) }))
    expect(outputs.reduce<number>((sum, output) => sum + (output as { count: number }).count, 0)).toBe(664_579)
  })

  it('sends image bands back whole', async () => {
    const pool = await startedPool(1)
    const params = mandelbrot.parseParams({ width: 120, height: 90 }, 3)
    const input = mandelbrot.chunk(params, 3, 1)
    const output = await pool.run('mandelbrot', input) as MandelbrotOutput
    expect(output.pixels).toBeInstanceOf(Uint8Array)
    expect(sameOutput(mandelbrot, mandelbrot.parseOutput(output, input), mandelbrot.run(input) as MandelbrotOutput)).toBe(true)
  })

  it('aborts a long chunk with TaskAbortedError and keeps serving', async () => {
    const pool = await startedPool(1)
    await pool.run('primes', { from: 0, to: 10 }) // a warm, idle thread: the long chunk is posted at once
    const controller = new AbortController()
    // 10^10 numbers near 10^12: about a minute of sieving if it were not stopped.
    const long = pool.run('primes', { from: 1e12 - 1e10, to: 1e12 }, { signal: controller.signal })
    expect(pool.running).toBe(1)
    controller.abort()
    await expect(long).rejects.toMatchObject({ name: 'TaskAbortedError' })
    expect(pool.running).toBe(0)
    await expect(pool.run('primes', { from: 0, to: 100 })).resolves.toEqual({ count: 25 })
    const already = new AbortController()
    already.abort()
    await expect(pool.run('primes', { from: 0, to: 100 }, { signal: already.signal })).rejects.toMatchObject({ name: 'TaskAbortedError' })
  })

  it('hands a running chunk\'s checkpoints out while it runs; stopped, it goes on from the latest to the exact answer', async () => {
    const pool = await startedPool(1)
    // π(2·10^9) = 98,222,287: about 2 s of sieving on a thread, twenty checkpoint periods.
    const input = { from: 0, to: 2_000_000_000 }
    const checkpoints: Array<{ next: number, count: number }> = []
    const controller = new AbortController()
    const twoSeen = Promise.withResolvers<void>()
    pool.run('primes', input, {
      signal: controller.signal,
      onCheckpoint: (state) => { if (checkpoints.push(state as { next: number, count: number }) === 2) twoSeen.resolve() }
    }).then(
      // A chunk that ends before its second checkpoint fails the test rather than hanging it.
      () => { twoSeen.reject(new Error(`the chunk ended after ${checkpoints.length} checkpoint(s)`)) },
      () => {}
    )
    await twoSeen.promise
    controller.abort()
    const latest = checkpoints.at(-1)!
    expect(latest.next).toBeGreaterThan(input.from)
    expect(latest.next).toBeLessThan(input.to)
    expect(latest.count).toBe(countPrimes(input.from, latest.next))
    await expect(pool.run('primes', input, { resume: latest })).resolves.toEqual({ count: 98_222_287 })
  })

  it('refuses a resume state the task does not take, naming it', async () => {
    const pool = await startedPool(1)
    await expect(pool.run('primes', { from: 0, to: 100 }, { resume: { next: 200, count: 0 } })).rejects.toMatchObject({ name: 'InvalidCheckpointError', field: 'checkpoint.next' })
    await expect(pool.run('probe', probe.chunk(probe.parseParams({}, 1), 1, 0), { resume: {} })).rejects.toMatchObject({ name: 'InvalidCheckpointError', message: 'checkpoint is given, but probe does not checkpoint' })
  })

  it('stops a chunk that never looks up (a probe chunk in hangAt) by ending its thread', async () => {
    // A task gets no abort signal: a cancel must stop it whatever it is doing.
    const pool = await startedPool(1)
    await pool.run('primes', { from: 0, to: 10 }) // a warm, idle thread: the chunk is posted at once
    const hanging = probe.chunk(probe.parseParams({ hangAt: [0] }, 1), 1, 0)
    const controller = new AbortController()
    const single = pool.run('probe', hanging, { signal: controller.signal })
    controller.abort()
    await expect(single).rejects.toMatchObject({ name: 'TaskAbortedError', message: 'the task was aborted' })
    const batchController = new AbortController()
    const params = probe.parseParams({ hangAt: [1] }, 2)
    const batch = pool.runBatch('probe', [probe.chunk(params, 2, 0), probe.chunk(params, 2, 1)], batchController.signal)
    expect(pool.running).toBe(2)
    batchController.abort()
    await expect(batch).rejects.toMatchObject({ name: 'TaskAbortedError', message: 'the task was aborted' })
    expect(pool.running).toBe(0)
    await expect(pool.run('probe', probe.chunk(params, 2, 0))).resolves.toEqual({ index: 0 })
  })

  it('rejects in-flight chunks with TaskAbortedError when stopped', async () => {
    const pool = await startedPool(1)
    const long = pool.run('primes', { from: 1e12 - 1e10, to: 1e12 })
    const queued = pool.run('primes', { from: 0, to: 10 })
    const settled = Promise.allSettled([long, queued])
    await pool.stop()
    for (const result of await settled) {
      expect(result).toMatchObject({ status: 'rejected', reason: { name: 'TaskAbortedError', message: 'the task pool stopped' } })
    }
    expect(pool.running).toBe(0)
  })

  it('keeps the name, message and field of an error thrown in the thread', async () => {
    const pool = await startedPool(1)
    await expect(pool.run('primes', { from: 5, to: 1 })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'input.to must be greater than input.from (5), got 1',
      field: 'input.to'
    })
    await expect(pool.run('zeta', {})).rejects.toMatchObject({ name: 'UnknownTaskError', message: 'unknown task "zeta"' })
    await expect(pool.run(7 as unknown as string, {})).rejects.toMatchObject({ name: 'InvalidInputError', field: 'request.task' })
  })

  it('runs its threads at nice 19 and leaves the main thread alone', async () => {
    const before = readFileSync('/proc/thread-self/stat', 'utf8')
    // The worker module's diagnostic export, called by name on a bare Piscina over the same file.
    const piscina = new Piscina({ filename: workerPath, maxThreads: 1 })
    try {
      expect(await piscina.run(null, { name: 'threadNice' })).toBe(19)
    } finally {
      await piscina.destroy()
    }
    expect(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16])
      .toBe(before.split(') ')[1].split(' ')[16])
  })
})
