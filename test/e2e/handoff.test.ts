/**
 * Handoff on real processes: a worker that must step back hands its running and queued chunks
 * to a peer that is idle right now, which goes on from their checkpoints. The chunks are real
 * `primes` sieves of several seconds each; straggler backups are off, so that every move seen here is
 * a handoff.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, type Coordinator, type LogLine, type Worker } from './harness.js'

afterEach(cleanup)

// π(5·10^9) = 234,954,223, in two chunks of 2.5·10^9 numbers: several seconds each on any Node
// version here, so that a chunk is still running when the test stops its worker.
const JOB = { task: 'primes', params: { from: 0, to: 5_000_000_000 }, chunks: 2 }
const PI_5E9 = 234_954_223

const is = (msg: string) => (l: LogLine): boolean => l.msg === msg

/**
 * A coordinator, a giver running the job's first chunk (with a checkpoint sent) and holding the
 * second, and an idle taker the giver has heard pull: the moment to step back.
 */
async function givingAndTaking (): Promise<{ coordinator: Coordinator, giver: Worker, taker: Worker, id: string }> {
  const coordinator = await startCoordinator({ args: ['--no-straggler-backups'] })
  const giver = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug'] })
  const id = await submit(coordinator.api, JOB)
  await giver.waitFor(is('checkpoints sent'), 'checkpoints sent', 60_000)
  const taker = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug'] })
  await giver.waitFor(l => l.msg === 'hungry peer' && l.peerId === taker.peerId, 'the taker heard as a hungry peer')
  return { coordinator, giver, taker, id }
}

async function exact (coordinator: Coordinator, id: string): Promise<{ transfers: number, resumed: number }> {
  const job = await waitForJob(() => coordinator.api, id, isDone)
  expect(job.progress).toEqual({ done: 2, total: 2 })
  expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(PI_5E9)
  return (await http(coordinator.api, 'GET', `/jobs/${id}`)).body.stats
}

describe('handoff', () => {
  it('a worker paused with SIGUSR1 hands its running and queued chunks to an idle peer, which goes on from the checkpoint; exact, each chunk counted once', async () => {
    const { coordinator, giver, taker, id } = await givingAndTaking()
    giver.child.kill('SIGUSR1')
    await giver.waitFor(is('paused'), 'paused')
    // It holds the running chunk, and the other if it had taken it before the taker came.
    const offering = await giver.waitFor(is('offering leases'), 'offering leases')
    const n = offering.leases as number
    expect(offering.to).toBe(taker.peerId)
    expect(n).toBeGreaterThanOrEqual(1)
    expect(await giver.waitFor(is('handed off'), 'handed off')).toMatchObject({ to: taker.peerId, leases: n })
    expect(await taker.waitFor(is('took leases'), 'took leases')).toMatchObject({ from: giver.peerId, leases: n })
    const resumed = await taker.waitFor(is('chunk resumed from a checkpoint'), 'chunk resumed from a checkpoint') as LogLine & { state: { next: number, count: number } }
    expect(resumed.state.count).toBeGreaterThan(0)
    // The giver gave nothing back to the coordinator: both went to the taker.
    expect(coordinator.lines.some(l => l.msg === 'leases released' && l.worker === giver.peerId)).toBe(false)

    const stats = await exact(coordinator, id)
    expect(stats.transfers).toBe(n)
    // Each chunk done once: what the taker took it finished (the giver may have finished a chunk
    // before it paused, and the taker may have been assigned one of its own).
    const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    const done = (w: Worker): number => workers.find(v => v.peerId === w.peerId)?.chunksDone ?? 0
    expect(done(giver) + done(taker)).toBe(2)
    expect(done(taker)).toBeGreaterThanOrEqual(n)
  })

  it('the giver killed right after offering: nothing is lost', async () => {
    const { coordinator, giver, id } = await givingAndTaking()
    giver.child.kill('SIGUSR1')
    await giver.waitFor(is('offering leases'), 'offering leases')
    await giver.kill9()
    // Whether the taker's transfer went through or the leases expired, the job ends exact.
    const stats = await exact(coordinator, id)
    expect(stats.transfers).toBeLessThanOrEqual(2)
  })

  it('the taker killed right after taking: its leases expire and another worker goes on from the checkpoint that came with the transfer', async () => {
    const { coordinator, giver, taker, id } = await givingAndTaking()
    giver.child.kill('SIGUSR1')
    const took = await taker.waitFor(is('took leases'), 'took leases')
    await taker.kill9()
    const third = await startWorker(coordinator.multiaddr)
    const resumed = await third.waitFor(is('chunk resumed from a checkpoint'), 'chunk resumed from a checkpoint', 60_000) as LogLine & { state: { next: number, count: number } }
    expect(resumed.state.count).toBeGreaterThan(0)
    const stats = await exact(coordinator, id)
    expect(stats.transfers).toBe(took.leases)
    expect(stats.resumed).toBeGreaterThanOrEqual(1)
    expect(giver.alive).toBe(true)
  })

  it('with replication 2, a copy is never handed to the worker holding the other copy: refused, given back, and run by a third; exact', async () => {
    const coordinator = await startCoordinator({ args: ['--no-straggler-backups'] })
    const giver = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug'] })
    const id = await submit(coordinator.api, { ...JOB, replication: 2 })
    await giver.waitFor(l => l.msg === 'assigned' && l.accepted === 2, 'a copy of each chunk')
    // The only other worker takes the other copy of each chunk, and has room for two more (one
    // thread and a prefetch of 3, while the job's pace is unknown to it).
    const other = await startWorker(coordinator.multiaddr, { args: ['--log-level', 'debug', '--prefetch', '3'] })
    await other.waitFor(l => l.msg === 'assigned' && l.accepted === 2, 'the other copy of each chunk')
    // Its pull, which got it those copies, made it a hungry peer for 3 s (nothing else is pending,
    // so it pulls no more): step back now.
    await giver.waitFor(l => l.msg === 'hungry peer' && l.peerId === other.peerId, 'the other heard as a hungry peer')
    giver.child.kill('SIGUSR1')

    const offering = await giver.waitFor(is('offering leases'), 'offering leases')
    expect(offering.to).toBe(other.peerId)
    const n = offering.leases as number
    expect(await coordinator.waitFor(is('refused transfers'), 'refused transfers'))
      .toMatchObject({ sender: other.peerId, refused: n, reasons: ['the taker holds another copy of this chunk'] })
    expect(await giver.waitFor(is('stepped back'), 'stepped back')).toMatchObject({ reason: 'paused', handedOff: 0, released: n })

    // A third worker runs what the giver gave back.
    const third = await startWorker(coordinator.multiaddr)
    const stats = await exact(coordinator, id)
    expect(stats.transfers).toBe(0)
    const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    const done = (w: Worker): number => workers.find(v => v.peerId === w.peerId)?.chunksDone ?? 0
    expect([done(giver) + done(third), done(other)]).toEqual([2, 2])
    expect(done(third)).toBe(n)
  })
})
