// Hosts blob peers for the blobs figure, so that they use more than one process, as real peers
// would: `node bench/blob-host.js <coordinator multiaddr> <peers>`. Each peer is a libp2p node
// with its own key and its own store in a temp folder, serving what it has. It prints one JSON
// line when its peers are connected, then reads one command a line on stdin, "naive <blob>" or
// "swarm <blob>", fetches the blob into every peer that way, and prints `{"done":true}`.
import '@cycleshare/peer/polyfill'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { BlobStore, fetchBlob, serveBlobs } from '@cycleshare/blobs'
import { createPeer } from '@cycleshare/peer'
import { blobRpc, msg } from '@cycleshare/protocol'

const [multiaddr, count] = [process.argv[2], Number(process.argv[3])]
const coordinator = multiaddr.slice(multiaddr.lastIndexOf('/p2p/') + 5)
const dirs = []
const nodes = await Promise.all(Array.from({ length: count }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cycleshare-bench-blob-'))
  dirs.push(dir)
  const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  const store = await BlobStore.open({ dir, maxBytes: 1024 * 1024 * 1024 })
  await serveBlobs({ peer, store })
  await peer.start()
  await peer.dial(multiaddr)
  return { peer, store }
}))

/** Every piece from the coordinator alone: the same requests, 6 in flight, no peer asked. */
async function fromCoordinatorOnly ({ peer, store }, name) {
  const located = await peer.call(coordinator, blobRpc, msg.locate(name, []))
  await store.begin(name, located.manifest)
  const pieces = store.info(name).pieces
  let next = 0
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < pieces) {
      const index = next++
      const answer = await peer.call(coordinator, blobRpc, msg.fetch(name, [index]))
      await store.writePiece(name, answer.index, answer.bytes)
    }
  }))
}

const stop = async () => {
  await Promise.all(nodes.map(async n => await n.peer.stop()))
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })

createInterface({ input: process.stdin }).on('line', (line) => {
  const [way, name] = line.split(' ')
  const fetching = nodes.map(n => way === 'naive' ? fromCoordinatorOnly(n, name) : fetchBlob(n, name, { seeds: [coordinator] }))
  Promise.all(fetching).then(() => {
    if (!nodes.every(n => n.store.info(name)?.complete)) throw new Error('a peer did not get the whole blob')
    console.log(JSON.stringify({ done: true }))
  }, (err) => { console.log(JSON.stringify({ error: String(err) })) })
})
console.log(JSON.stringify({ ready: true }))
