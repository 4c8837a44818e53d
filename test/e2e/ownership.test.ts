/**
 * Only the holder of a lease may report it. Two peers built from the protocol alone, on real
 * libp2p nodes in the test process, against a real coordinator: the holder pulls and is assigned
 * every chunk; an intruder that learned the lease ids reports wrong outputs for all of them.
 */
import { TOPIC_PULL, coordinatorRpc, encode, msg, type Lease } from '@cycleshare/protocol'
import { countPrimes } from '@cycleshare/tasks'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, submit, waitForJob } from './harness.js'
import { protocolPeer } from './protocol-peer.js'

afterEach(cleanup)

describe('lease ownership', () => {
  it('another peer\'s report for leases it does not hold is rejected and changes nothing; the holder\'s counts', async () => {
    const coordinator = await startCoordinator({ leaseTtlMs: 60_000 })
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 8 })

    const assigned = Promise.withResolvers<Lease[]>()
    const holder = await protocolPeer(coordinator.multiaddr, leases => { assigned.resolve(leases) })
    const intruder = await protocolPeer(coordinator.multiaddr)
    try {
      // The holder asks for all eight chunks. A pull published before the gossip stream to the
      // coordinator is open is lost, so, as a worker does, it asks again until the assign comes:
      // every 250 ms, 80 times at most.
      let pulls = 0
      const pull = (): void => {
        if (++pulls > 80) return
        if (!holder.topicPeers(TOPIC_PULL).includes(coordinator.peerId)) return
        void holder.publish(TOPIC_PULL, encode(msg.pull({ slots: 8, tasks: ['primes'], capacity: { threads: 8 } }))).catch(() => {})
      }
      const retry = setInterval(pull, 250)
      pull()
      const leases = await assigned.promise.finally(() => { clearInterval(retry) })
      expect(leases).toHaveLength(8)
      expect(leases.every(l => l.epoch === 1)).toBe(true)

      const forged = await intruder.call(coordinator.peerId, coordinatorRpc, msg.report(leases.map(l => msg.ok(l.leaseId, { count: 0 }))))
      expect(forged.accepted).toEqual([])
      expect(forged.rejected).toEqual(leases.map(l => ({ leaseId: l.leaseId, reason: 'not the holder of this lease' })))
      // Nor may it renew or give back what it does not hold.
      const renewed = await intruder.call(coordinator.peerId, coordinatorRpc, msg.renew(leases.map(l => l.leaseId)))
      expect(renewed).toMatchObject({ renewed: [], lost: leases.map(l => l.leaseId) })
      expect((await intruder.call(coordinator.peerId, coordinatorRpc, msg.release(leases.map(l => l.leaseId)))).released).toEqual([])

      const job = (await http(coordinator.api, 'GET', `/jobs/${id}`)).body
      expect(job.progress).toEqual({ done: 0, total: 8 })
      const intruderRecord = (await http<Array<{ peerId: string, chunksDone: number, invalid: number }>>(coordinator.api, 'GET', '/workers')).body
        .find(w => w.peerId === intruder.peerId)
      expect(intruderRecord?.chunksDone ?? 0).toBe(0)

      // The holder's own results still count, and the answer is exact.
      const honest = leases.map(l => {
        const { from, to } = l.input as { from: number, to: number }
        return msg.ok(l.leaseId, { count: countPrimes(from, to) })
      })
      const reported = await holder.call(coordinator.peerId, coordinatorRpc, msg.report(honest))
      expect(reported.rejected).toEqual([])
      expect(reported.accepted).toEqual(leases.map(l => l.leaseId))
      await waitForJob(() => coordinator.api, id, isDone)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(664_579)
    } finally {
      await Promise.all([holder.stop(), intruder.stop()])
    }
  })
})
