/**
 * Sharing queued chunks at a job's end: a worker that holds the whole job queued, and whose pulls
 * come back short (nothing more to deal), offers half of its spare queue to a worker that starts
 * later and pulls; the coordinator moves the leases on the signed transfers. Real processes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, type LogLine } from './harness.js'

afterEach(cleanup)

// π(4·10^9) = 189,961,812, in 8 chunks of half a second or so each on one thread here.
const JOB = { task: 'primes', params: { from: 0, to: 4_000_000_000 }, chunks: 8 }
const PI_4E9 = 189_961_812

const is = (msg: string) => (l: LogLine): boolean => l.msg === msg

describe('sharing queued chunks', () => {
  it('a worker holding the whole job queued hands part of it to a worker that comes hungry; exact, each chunk counted once', async () => {
    const coordinator = await startCoordinator({ args: ['--no-straggler-backups'] })
    // One thread and a prefetch of 12: it takes all 8 chunks, 7 of them queued.
    const hoarder = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug', '--prefetch', '12'] })
    const id = await submit(coordinator.api, JOB)
    await hoarder.waitFor(l => l.msg === 'assigned' && l.accepted === 8, 'the whole job')

    const late = await startWorker(coordinator.multiaddr)
    // Its pull is answered by nothing from the coordinator, and by an offer from the hoarder.
    const handed = await hoarder.waitFor(is('handed off'), 'handed off')
    expect(handed.to).toBe(late.peerId)
    expect(handed.leases).toBeGreaterThanOrEqual(1)

    const job = await waitForJob(() => coordinator.api, id, isDone)
    expect(job.progress).toEqual({ done: 8, total: 8 })
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(PI_4E9)
    const { stats } = (await http(coordinator.api, 'GET', `/jobs/${id}`)).body
    expect(stats.transfers).toBeGreaterThanOrEqual(handed.leases as number)
    const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    const done = (peerId: string): number => workers.find(w => w.peerId === peerId)?.chunksDone ?? 0
    expect(done(late.peerId)).toBeGreaterThanOrEqual(1)
    expect(done(hoarder.peerId) + done(late.peerId)).toBe(8)
  })
})
