import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, waitForWorker, type Coordinator } from './harness.js'

// π(10^9) = 50,847,534: a job long enough (a few seconds on two threads) to kill something mid-way.
const PRIMES_1E9 = { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 200 }
const PI_1E9 = 50_847_534

describe('crashes mid-job', () => {
  afterEach(cleanup)

  it('a coordinator killed with kill -9 and restarted on the same data dir still gives the exact answer', async () => {
    let coordinator: Coordinator = await startCoordinator()
    await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    const id = await submit(coordinator.api, PRIMES_1E9)
    const before = await waitForJob(() => coordinator.api, id, j => j.progress.done >= 40)
    expect(before.status).toBe('running')
    await coordinator.kill9()

    // Same data dir, same ports: the workers find it again at the address they were given.
    const { dataDir, httpPort, peerId } = coordinator
    const p2pPort = Number(/\/tcp\/(\d+)\//.exec(coordinator.multiaddr)![1])
    coordinator = await startCoordinator({ dataDir, httpPort, p2pPort })
    expect(coordinator.peerId).toBe(peerId)
    const resumed = await http(coordinator.api, 'GET', `/jobs/${id}`)
    expect(resumed.body.progress.done).toBeGreaterThanOrEqual(40)

    const job = await waitForJob(() => coordinator.api, id, isDone)
    expect(job.progress).toEqual({ done: 200, total: 200 })
    const res = await http(coordinator.api, 'GET', `/jobs/${id}/result`)
    expect(res.body.result.count).toBe(PI_1E9)
  })

  it('a worker killed with kill -9 has its chunks reissued, and the answer is still exact', async () => {
    const coordinator = await startCoordinator({ leaseTtlMs: 2_000 })
    const [doomed, survivor] = await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    const id = await submit(coordinator.api, PRIMES_1E9)
    // Kill it while it is in the thick of the job: it has finished some chunks and holds others.
    await waitForWorker(coordinator.api, doomed.peerId, w => w.chunksDone >= 5)
    expect((await http(coordinator.api, 'GET', `/jobs/${id}`)).body.status).toBe('running')
    await doomed.kill9()

    const job = await waitForJob(() => coordinator.api, id, isDone)
    expect(job.progress).toEqual({ done: 200, total: 200 })
    const res = await http(coordinator.api, 'GET', `/jobs/${id}/result`)
    expect(res.body.result.count).toBe(PI_1E9)
    const workers = await http<Array<{ peerId: string, chunksDone: number, state: string }>>(coordinator.api, 'GET', '/workers')
    const byId = new Map(workers.body.map(w => [w.peerId, w]))
    expect([...byId.keys()].sort()).toEqual([doomed.peerId, survivor.peerId].sort())
    // Every chunk counted once, split between the two; the dead one is seen as gone.
    expect(byId.get(doomed.peerId)!.chunksDone + byId.get(survivor.peerId)!.chunksDone).toBe(200)
    expect(byId.get(doomed.peerId)!.state).toBe('disconnected')
  })

  it('a worker stopped with SIGTERM gives its unfinished chunks back and exits cleanly', async () => {
    const coordinator = await startCoordinator({ leaseTtlMs: 60_000 })
    // Alone: with no other worker that pulled lately, nothing can be handed off, so all goes back.
    const leaving = await startWorker(coordinator.multiaddr)
    // 200 ms chunks: a working worker always has one running and more waiting.
    const id = await submit(coordinator.api, { task: 'probe', params: { spinMs: 200 }, chunks: 40 })
    await waitForWorker(coordinator.api, leaving.peerId, w => w.chunksDone >= 2)
    expect(await leaving.stop()).toBe(0)
    const stopped = await leaving.waitFor(l => l.msg === 'worker stopped', 'worker stopped')
    expect(stopped.released).toBeGreaterThan(0)

    // The coordinator took back exactly what the worker said it returned; with a 60 s lease nothing
    // could have come back by expiry before the job ends.
    const taken = await coordinator.waitFor(l => l.msg === 'leases released' && l.worker === leaving.peerId, 'leases released')
    expect(taken.released).toBe(stopped.released)
    expect(stopped.handedOff).toBe(0)
    // Another worker runs what came back.
    await startWorker(coordinator.multiaddr)
    const job = await waitForJob(() => coordinator.api, id, isDone, 50_000)
    expect(job.progress).toEqual({ done: 40, total: 40 })
    const res = await http(coordinator.api, 'GET', `/jobs/${id}/result`)
    expect(res.body.result).toEqual({ chunks: 40, indexSum: 780 })
  })
})
