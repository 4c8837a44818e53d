import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob } from './harness.js'

describe('one worker process, several accumulation points', () => {
  afterAll(cleanup)

  it('works for two coordinators at once: both jobs finish exactly, and each credits the worker with its own chunks', async () => {
    const [first, second] = await Promise.all([startCoordinator(), startCoordinator()])
    // `--coordinator` given twice: the harness passes the first, the second comes after it.
    const worker = await startWorker(first.multiaddr, { threads: 2, args: ['--coordinator', second.multiaddr] })
    const ready = await worker.waitFor(l => l.msg === 'worker ready', 'worker ready')
    expect(ready.accumulationPoints).toEqual([first.peerId, second.peerId])

    const [a, b] = await Promise.all([
      submit(first.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 16 }),
      submit(second.api, { task: 'primes', params: { from: 10_000_000, to: 20_000_000 }, chunks: 16 })
    ])
    const [jobA, jobB] = await Promise.all([waitForJob(() => first.api, a, isDone), waitForJob(() => second.api, b, isDone)])
    expect(jobA.progress).toEqual({ done: 16, total: 16 })
    expect(jobB.progress).toEqual({ done: 16, total: 16 })
    // π(10^7) = 664,579 and π(2·10^7) − π(10^7) = 1,270,607 − 664,579 = 606,028.
    expect((await http(first.api, 'GET', `/jobs/${a}/result`)).body).toEqual({ result: { from: 0, to: 10_000_000, count: 664_579 } })
    expect((await http(second.api, 'GET', `/jobs/${b}/result`)).body).toEqual({ result: { from: 10_000_000, to: 20_000_000, count: 606_028 } })

    // Each coordinator knows the one worker, with exactly the chunks it did for that coordinator.
    for (const coordinator of [first, second]) {
      const workers = (await http<Array<{ peerId: string, chunksDone: number, chunksFailed: number }>>(coordinator.api, 'GET', '/workers')).body
      expect(workers.map(w => [w.peerId, w.chunksDone, w.chunksFailed])).toEqual([[worker.peerId, 16, 0]])
    }

    // Stopping leaves nothing behind at either coordinator.
    expect(await worker.stop()).toBe(0)
    const stopped = await worker.waitFor(l => l.msg === 'worker stopped', 'worker stopped')
    expect(stopped).toMatchObject({ released: 0, unreported: 0, chunksDone: 32 })
  })
})
