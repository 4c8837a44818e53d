/**
 * Checkpoints outlive their worker: a long chunk's latest checkpoint reaches the coordinator with
 * the renewals (or with a release), and the next copy of the chunk goes on from it: the copy
 * issued after the lease is lost, or a backup of the straggler that holds it.
 * Real coordinator and worker processes; the chunks are real `primes` sieves of several seconds each.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, type LogLine } from './harness.js'

afterEach(cleanup)

// π(5·10^9) = 234,954,223, in two chunks of 2.5·10^9 numbers: several seconds each on any Node
// version here, so that a chunk is still running when the test stops its worker.
const JOB = { task: 'primes', params: { from: 0, to: 5_000_000_000 }, chunks: 2 }
const CHUNK = 2_500_000_000
const PI_5E9 = 234_954_223

interface Resumed { leaseId: string, state: { next: number, count: number } }

const resumedLine = (l: LogLine): boolean => l.msg === 'chunk resumed from a checkpoint'
const sentLine = (l: LogLine): boolean => l.msg === 'checkpoints sent'

describe('checkpoints outlive their worker', () => {
  it.each([
    ['once its lease expires', ['--no-straggler-backups'], 0],
    ['as a backup of the straggler that holds it', [], 2]
  ])('a worker killed mid-chunk: the next worker goes on from its last checkpoint %s, and the answer is exact', async (_how, args, backups) => {
    const coordinator = await startCoordinator({ args })
    // One thread: one chunk runs, the other waits in its queue.
    const first = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug'] })
    const id = await submit(coordinator.api, JOB)
    await first.waitFor(sentLine, 'checkpoints sent', 60_000)
    await first.kill9()

    // Two threads: the chunk with the checkpoint starts as soon as it comes, whatever its place
    // in the queue (a nice-19 thread behind a fresh chunk on a loaded machine may wait minutes).
    const second = await startWorker(coordinator.multiaddr, { threads: 2 })
    const resumed = await second.waitFor(resumedLine, 'chunk resumed from a checkpoint', 60_000) as LogLine & Resumed
    // It went on from somewhere inside one of the two chunks, not from its start.
    const chunk = [0, CHUNK].find(from => resumed.state.next > from && resumed.state.next <= from + CHUNK)
    expect(chunk).toBeDefined()
    expect(resumed.state.count).toBeGreaterThan(0)

    const job = await waitForJob(() => coordinator.api, id, isDone)
    expect(job.progress).toEqual({ done: 2, total: 2 })
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(PI_5E9)
    const { stats } = (await http(coordinator.api, 'GET', `/jobs/${id}`)).body
    expect(stats.resumed).toBe(1)
    // With backups, the queued chunk the dead worker held is backed up too, from its beginning.
    expect(stats.backups).toBe(backups)
  })

  it('a worker stopped with SIGTERM mid-chunk gives its leases back with its checkpoint, and the next worker goes on from it', async () => {
    const coordinator = await startCoordinator()
    const first = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug'] })
    const id = await submit(coordinator.api, JOB)
    await first.waitFor(sentLine, 'checkpoints sent', 60_000)
    expect(await first.stop()).toBe(0)
    // Its leases came back by release (the running one, and the queued one if it had taken it).
    const released = await coordinator.waitFor(l => l.msg === 'leases released' && l.worker === first.peerId, 'leases released')
    expect(released.released).toBeGreaterThanOrEqual(1)

    const second = await startWorker(coordinator.multiaddr, { threads: 2 })
    const resumed = await second.waitFor(resumedLine, 'chunk resumed from a checkpoint', 30_000) as LogLine & Resumed
    expect(resumed.state.count).toBeGreaterThan(0)
    const job = await waitForJob(() => coordinator.api, id, isDone)
    expect(job.progress).toEqual({ done: 2, total: 2 })
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(PI_5E9)
    // Counted per copy issued with a state: the stopping worker's last pull may still be answered
    // with the released chunk, which it refuses, and the next copy takes the same state again.
    expect((await http(coordinator.api, 'GET', `/jobs/${id}`)).body.stats.resumed).toBeGreaterThanOrEqual(1)
  })
})
