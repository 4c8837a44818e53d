// The blobs figure: a 64 MiB blob uploaded to a real coordinator process is needed by 8 peers
// (real libp2p nodes with their own keys, stores and connections, hosted in this process). Each
// way is measured on a fresh coordinator, alternately: every peer fetching the whole blob from
// the coordinator (one piece request at a time per... the same concurrency, no peers), and the
// peers fetching from each other with the coordinator last (fetchBlob). The figures: the
// coordinator's egress (its own count of piece bytes sent, GET /api/health) and the time until
// every peer holds every piece, checked against the blob's manifest.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobStore, fetchBlob, serveBlobs } from '@cycleshare/blobs'
import { createPeer } from '@cycleshare/peer'
import { blobRpc, msg } from '@cycleshare/protocol'
import { median, startCluster } from './cluster.js'

const MiB = 1024 * 1024
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d

async function upload (api, bytes) {
  const res = await fetch(`${api}/blobs`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`)
  return await res.json()
}

const servedBytes = async (api) => (await (await fetch(`${api}/health`)).json()).blobs.bytesServed

/** `count` peers, each with its own store in a temp folder, serving it, connected to the coordinator. */
async function peersFor (multiaddr, count, dirs) {
  return await Promise.all(Array.from({ length: count }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycleshare-bench-blob-'))
    dirs.push(dir)
    const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const store = await BlobStore.open({ dir, maxBytes: 256 * MiB })
    await serveBlobs({ peer, store })
    await peer.start()
    await peer.dial(multiaddr)
    return { peer, store }
  }))
}

/** Every piece from the coordinator alone: the same requests, 6 in flight, no peer asked. */
async function fromCoordinatorOnly ({ peer, store }, coordinator, name) {
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

async function once (way, bytes, peers) {
  const cluster = await startCluster({ workers: [], coordinatorArgs: ['--blob-store-mb', '1024'] })
  const dirs = []
  const nodes = []
  try {
    const { name } = await upload(cluster.api, bytes)
    nodes.push(...await peersFor(cluster.multiaddr, peers, dirs))
    const coordinator = (await (await fetch(`${cluster.api}/health`)).json()).peerId
    const before = await servedBytes(cluster.api)
    const t = performance.now()
    if (way === 'naive') await Promise.all(nodes.map(n => fromCoordinatorOnly(n, coordinator, name)))
    else await Promise.all(nodes.map(n => fetchBlob(n, name, { seeds: [coordinator] })))
    const ms = performance.now() - t
    for (const n of nodes) if (!n.store.info(name)?.complete) throw new Error(`blobs: a peer did not get the whole blob (${way})`)
    return { ms: Math.round(ms), egress: (await servedBytes(cluster.api)) - before }
  } finally {
    await Promise.all(nodes.map(async n => await n.peer.stop()))
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
    await cluster.stop()
  }
}

export async function blobsFigure ({ sizeMb = 64, peers = 8, runs = 3, log }) {
  const bytes = randomBytes(sizeMb * MiB)
  const results = { naive: [], swarm: [] }
  for (let i = 0; i < runs; i++) {
    for (const way of ['naive', 'swarm']) {
      const r = await once(way, bytes, peers)
      results[way].push(r)
      log(`  blobs run ${i + 1}, ${way}: ${r.ms} ms, coordinator sent ${round(r.egress / bytes.length)} × the blob`)
    }
  }
  const summary = (rs) => ({ ms: median(rs.map(r => r.ms)), egressBlobs: median(rs.map(r => round(r.egress / bytes.length))), runs: rs })
  return { sizeMb, peers, naive: summary(results.naive), swarm: summary(results.swarm) }
}
