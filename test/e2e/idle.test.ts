/**
 * Idle means the owner is not using the machine: two workers on one machine, at default settings
 * (work while the owner's CPU stays under 30 %), each running its task threads at nice 19, must not
 * take each other for the owner and step back; they finish a job together, both working throughout.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob } from './harness.js'

afterAll(cleanup)

describe('idle detection', () => {
  it('two workers at default settings on one machine work a job to the end without stepping back for each other', async () => {
    const coordinator = await startCoordinator()
    const workers = await Promise.all([1, 2].map(async () => await startWorker(coordinator.multiaddr, { whenIdle: true })))
    // Each measures a first interval before it calls the machine idle.
    await Promise.all(workers.map(async w => await w.waitFor(l => l.msg === 'machine idle: pulling work', 'machine idle')))
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 4e9 }, chunks: 64 })
    await waitForJob(() => coordinator.api, id, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(189_961_812)
    for (const w of workers) {
      // Sampled every second through the whole job, the owner's share stayed under the limit every time.
      expect(w.lines.filter(l => l.msg === 'machine busy: stepping back').map(l => l.reason)).toEqual([])
    }
    const done = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    const byWorker = workers.map(w => done.find(d => d.peerId === w.peerId)?.chunksDone ?? 0)
    expect(byWorker[0] + byWorker[1]).toBe(64)
    expect(Math.min(...byWorker)).toBeGreaterThanOrEqual(16)
  })
})
