/**
 * A peer built from the protocol alone, on a real libp2p node in the test process: it dials the
 * coordinator and accepts what it is assigned, handing the leases to `onAssign`.
 */
import { createPeer, type Peer } from '@cycleshare/peer'
import { msg, workerRpc, type Lease } from '@cycleshare/protocol'

export async function protocolPeer (coordinator: string, onAssign?: (leases: Lease[]) => void): Promise<Peer> {
  const coordinatorId = coordinator.slice(coordinator.lastIndexOf('/p2p/') + 5)
  const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [coordinator] })
  await peer.serve(workerRpc, {
    assign: ({ leases }) => {
      onAssign?.(leases)
      return msg.assigned(leases.map(l => l.leaseId), [])
    },
    cancel: ({ leaseIds }) => msg.cancelled(leaseIds)
  }, { admit: (from) => { if (from !== coordinatorId) throw new Error('not my coordinator') } })
  await peer.start()
  return peer
}
