/**
 * A worker that lies, built from the protocol alone (no worker code): it pulls, takes every
 * chunk it is assigned and reports a wrong but well-formed answer at once. It runs in the test
 * process on a real libp2p node.
 */
import { createPeer, type Peer } from '@cycleshare/peer'
import {
  MessageKind, TOPIC_PULL, TOPIC_WORK, coordinatorRpc, decodeGossip, encode, msg, workerRpc,
  type ChunkResult, type Lease
} from '@cycleshare/protocol'

export interface Liar {
  peerId: string
  /** Results the coordinator refused, with its reasons. */
  rejected: string[]
  stop(): Promise<void>
}

/** A plausible wrong answer for the built-in tasks it is sent. */
function lie (lease: Lease): unknown {
  const input = lease.input as Record<string, number>
  if (lease.task === 'primes') return { count: Math.max(0, Math.floor((input.to - input.from) / 3) - 1) }
  if (lease.task === 'probe') return { index: input.index }
  // A custom task summing numbers (the sieve example): a count a third of the range, as above.
  if (lease.task.includes('@')) return Math.max(0, Math.floor((input.to - input.from) / 3) - 1)
  throw new Error(`the liar does not know how to lie about ${lease.task}`)
}

export async function startLiar (coordinator: string): Promise<Liar> {
  const coordinatorId = coordinator.slice(coordinator.lastIndexOf('/p2p/') + 5)
  const peer: Peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [coordinator] })
  const rejected: string[] = []
  let stopped = false

  const pull = (): void => {
    if (stopped || !peer.topicPeers(TOPIC_PULL).includes(coordinatorId)) return
    void peer.publish(TOPIC_PULL, encode(msg.pull({ slots: 8, tasks: ['primes', 'probe', 'wasm/1'], capacity: { threads: 8 } }))).catch(() => {})
  }
  const report = async (results: ChunkResult[]): Promise<void> => {
    try {
      const answer = await peer.call(coordinatorId, coordinatorRpc, msg.report(results))
      rejected.push(...answer.rejected.map(r => r.reason))
    } catch {}
    pull()
  }

  await peer.serve(workerRpc, {
    assign: ({ leases }) => {
      const results = leases.map(l => msg.ok(l.leaseId, lie(l)))
      setImmediate(() => { void report(results) })
      return msg.assigned(leases.map(l => l.leaseId), [])
    },
    cancel: ({ leaseIds }) => msg.cancelled(leaseIds)
  }, {
    admit: (from) => { if (from !== coordinatorId) throw new Error('not my coordinator') }
  })
  peer.subscribe(TOPIC_WORK, (data, from) => {
    if (from === coordinatorId && decodeGossip(data).kind === MessageKind.Work) pull()
  })
  peer.on('subscription-change', pull)
  await peer.start()
  pull()
  return {
    peerId: peer.peerId,
    rejected,
    stop: async () => { stopped = true; await peer.stop() }
  }
}
