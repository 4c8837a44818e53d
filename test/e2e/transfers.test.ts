/**
 * Lease transfers, checked by a real coordinator: only the holder's signed word moves a lease,
 * once. Two peers built from the protocol alone, on real libp2p nodes in the test process: a
 * holder that pulls and is assigned every chunk, and a thief that knows the lease ids.
 */
import type { Peer } from '@cycleshare/peer'
import { TOPIC_PULL, coordinatorRpc, encode, msg, transferStatement, type Lease, type Transfer } from '@cycleshare/protocol'
import { countPrimes } from '@cycleshare/tasks'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, submit, waitForJob } from './harness.js'
import { protocolPeer } from './protocol-peer.js'

afterEach(cleanup)

/** `signer`'s signature of moving `lease` at `epoch` from `from` to `to`, as a Transfer. */
async function signed (signer: Peer, coordinator: string, lease: Lease, epoch: number, from: string, to: string): Promise<Transfer> {
  const t = { leaseId: lease.leaseId, epoch, from, to }
  return { ...t, signature: await signer.sign(transferStatement(coordinator, t)) }
}

describe('lease transfers', () => {
  it('move a lease only on its holder\'s signature, once per epoch; a forged, misdirected or replayed transfer is refused and changes nothing', async () => {
    const coordinator = await startCoordinator({ leaseTtlMs: 60_000 })
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1_000_000 }, chunks: 2 })
    const assigned = Promise.withResolvers<Lease[]>()
    const holder = await protocolPeer(coordinator.multiaddr, leases => { assigned.resolve(leases) })
    const thief = await protocolPeer(coordinator.multiaddr)
    const c = coordinator.peerId
    try {
      // As a worker does, the holder asks until the assign comes: every 250 ms, 80 times at most.
      let pulls = 0
      const pull = (): void => {
        if (++pulls > 80 || !holder.topicPeers(TOPIC_PULL).includes(c)) return
        void holder.publish(TOPIC_PULL, encode(msg.pull({ slots: 2, tasks: ['primes'], capacity: { threads: 2 } }))).catch(() => {})
      }
      const retry = setInterval(pull, 250)
      pull()
      const [a, b] = await assigned.promise.finally(() => { clearInterval(retry) })
      const transfer = async (sender: Peer, ...transfers: Transfer[]) => await sender.call(c, coordinatorRpc, msg.transfer(transfers))

      // Forged: the thief signs the holder's lease over to itself.
      expect(await transfer(thief, await signed(thief, c, a, 1, holder.peerId, thief.peerId)))
        .toEqual(msg.transferred([], [{ leaseId: a.leaseId, reason: 'bad signature' }]))
      // Its own signature, but a lease it does not hold.
      expect((await transfer(thief, await signed(thief, c, a, 1, thief.peerId, thief.peerId))).moved).toEqual([])
      // The holder's real signature to someone else, presented by the thief.
      const toHolderItself = await signed(holder, c, a, 1, holder.peerId, coordinator.peerId)
      expect((await transfer(thief, toHolderItself)).moved).toEqual([])
      // Signed for another coordinator.
      expect((await transfer(thief, await signed(holder, thief.peerId, a, 1, holder.peerId, thief.peerId))).refused[0].reason).toBe('bad signature')
      // Nothing moved: the holder still renews both.
      expect((await holder.call(c, coordinatorRpc, msg.renew([a.leaseId, b.leaseId]))).renewed).toEqual([a.leaseId, b.leaseId])

      // The holder hands lease a to the thief: the thief presents it, then presents it again; each
      // is answered with the lease whole, at its new epoch.
      const handed = await signed(holder, c, a, 1, holder.peerId, thief.peerId)
      expect(await transfer(thief, handed)).toEqual(msg.transferred([{ ...a, epoch: 2 }], []))
      expect(await transfer(holder, handed)).toEqual(msg.transferred([{ ...a, epoch: 2 }], []))
      // The giver holds it no more: its renewal, release and report of it are refused.
      expect((await holder.call(c, coordinatorRpc, msg.renew([a.leaseId]))).lost).toEqual([a.leaseId])
      expect((await holder.call(c, coordinatorRpc, msg.release([a.leaseId]))).released).toEqual([])
      const range = (l: Lease): { from: number, to: number } => l.input as { from: number, to: number }
      const answer = (l: Lease) => msg.ok(l.leaseId, { count: countPrimes(range(l).from, range(l).to) })
      expect((await holder.call(c, coordinatorRpc, msg.report([answer(a)]))).rejected)
        .toEqual([{ leaseId: a.leaseId, reason: 'not the holder of this lease' }])

      // Back to the holder at epoch 2; the first transfer, replayed now, names an epoch gone.
      expect((await transfer(holder, await signed(thief, c, a, 2, thief.peerId, holder.peerId))).moved).toEqual([{ ...a, epoch: 3 }])
      const replay = await transfer(thief, handed)
      expect(replay.moved).toEqual([])
      expect(replay.refused).toHaveLength(1)

      // The holder's results count, the answer is exact, and two moves are on record.
      expect((await holder.call(c, coordinatorRpc, msg.report([answer(a), answer(b)]))).accepted).toEqual([a.leaseId, b.leaseId])
      await waitForJob(() => coordinator.api, id, isDone)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(78_498)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}`)).body.stats.transfers).toBe(2)
    } finally {
      await Promise.all([holder.stop(), thief.stop()])
    }
  })
})
