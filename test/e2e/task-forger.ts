/**
 * A coordinator built from the protocol alone, on a real libp2p node in the test process, that
 * leases a custom task to the workers started with its peer id and answers `describe` with a
 * record of its choosing: signed by another key, claimed by another signer, or with a signature
 * that is no signature. It serves the module as a blob like a coordinator does, and keeps what
 * the workers report.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { BlobStore, serveBlobs, type TaskRecord } from '@cycleshare/blobs'
import { createPeer, type Peer } from '@cycleshare/peer'
import {
  TOPIC_PULL, TOPIC_WORK, coordinatorRpc, decodeGossip, encode, msg, taskStatement, workerRpc, type ChunkResult
} from '@cycleshare/protocol'

export type Forgery = 'other-key' | 'other-signer' | 'zero-signature'

export interface TaskForger {
  peer: Peer
  multiaddr: string
  /** The next result a worker reports (those not waited for yet are kept in order). */
  nextReport(): Promise<ChunkResult>
  stop(): Promise<void>
}

export async function startTaskForger (opts: { dir: string, module: Uint8Array, manifest: Uint8Array, task: string, input: unknown, forgery: Forgery }): Promise<TaskForger> {
  const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  const store = await BlobStore.open({ dir: opts.dir, maxBytes: 64 * 1024 * 1024 })
  const { name: module } = await store.add((async function * () { yield opts.module })())
  const other = await generateKeyPair('Ed25519')
  const otherId = peerIdFromPrivateKey(other).toString()
  const statement = taskStatement(opts.task, module, opts.manifest)
  const record: TaskRecord = opts.forgery === 'other-key'
    ? { task: opts.task, manifest: opts.manifest, module, signer: peer.peerId, signature: await other.sign(statement) }
    : opts.forgery === 'other-signer'
      ? { task: opts.task, manifest: opts.manifest, module, signer: otherId, signature: await other.sign(statement) }
      : { task: opts.task, manifest: opts.manifest, module, signer: peer.peerId, signature: new Uint8Array(64) }
  await serveBlobs({ peer, store, describe: (task) => task === opts.task ? record : undefined })

  const reports: ChunkResult[] = []
  const waiting: Array<(r: ChunkResult) => void> = []
  await peer.serve(coordinatorRpc, {
    report: ({ results }) => {
      for (const r of results) {
        const waiter = waiting.shift()
        if (waiter === undefined) reports.push(r)
        else waiter(r)
      }
      return msg.reported(results.map(r => r.leaseId), [])
    },
    renew: ({ leaseIds }) => msg.renewed(leaseIds, 60_000, []),
    release: ({ leaseIds }) => msg.released(leaseIds),
    transfer: () => msg.transferred([], [])
  })
  // One chunk for the first pull; the worker fails it and reports it.
  let leased = 0
  peer.subscribe(TOPIC_PULL, (data, from) => {
    if (decodeGossip(data).kind !== 'pull' || leased > 0) return
    leased++
    const lease = { leaseId: 'L-forged-1', jobId: 'J-forged', index: 0, attempt: 1, epoch: 1, task: opts.task, input: opts.input, ttlMs: 60_000 }
    void peer.call(from, workerRpc, msg.assign([lease])).catch(() => {})
  })
  peer.subscribe(TOPIC_WORK, () => {})
  await peer.start()
  // Announce work until the chunk is leased: a worker pulls when it hears some.
  let announcements = 0
  const announce = setInterval(() => {
    if (leased > 0 || ++announcements > 240) return
    void peer.publish(TOPIC_WORK, encode(msg.work({ pending: 1, tasks: [opts.task] }))).catch(() => {})
  }, 250)
  return {
    peer,
    multiaddr: peer.multiaddrs()[0],
    nextReport: async () => reports.shift() ?? await new Promise<ChunkResult>(resolve => waiting.push(resolve)),
    stop: async () => { clearInterval(announce); await peer.stop() }
  }
}
