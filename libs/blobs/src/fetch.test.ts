import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPeer, type Peer } from '@cycleshare/peer'
import { blobRpc, msg } from '@cycleshare/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PIECE_SIZE } from './constants.js'
import { fetchBlob } from './fetch.js'
import { serveBlobs, type BlobServer } from './serve.js'
import { BlobStore } from './store.js'
import { bytesOf } from './testing/bytes.js'

const MiB = 1024 * 1024

async function * once (bytes: Uint8Array): AsyncGenerator<Uint8Array> { yield bytes }

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
}

interface Node { peer: Peer, store: BlobStore, server: BlobServer, dir: string }

describe('fetching a blob from peers', () => {
  let root: string
  const nodes: Node[] = []
  const extraPeers: Peer[] = []

  async function node (name: string): Promise<Node> {
    const dir = join(root, name)
    const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const store = await BlobStore.open({ dir, maxBytes: 64 * MiB })
    const server = await serveBlobs({ peer, store })
    await peer.start()
    const n = { peer, store, server, dir }
    nodes.push(n)
    return n
  }

  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'blob-fetch-')) })
  afterEach(async () => {
    await Promise.all([...nodes.splice(0), ...extraPeers.splice(0).map(peer => ({ peer }))].map(async n => { await n.peer.stop() }))
    await rm(root, { recursive: true, force: true })
  })

  it('gets every piece to four peers, part of them from each other, each exactly as the seed has it', async () => {
    const bytes = bytesOf(8 * MiB + 777, 1)
    const seed = await node('seed')
    const { name } = await seed.store.add(once(bytes))
    const fetchers = await Promise.all(['a', 'b', 'c', 'd'].map(async n => await node(n)))
    for (const f of fetchers) await f.peer.dial(seed.peer.multiaddrs()[0])
    const results = await Promise.all(fetchers.map(async f => await fetchBlob(f, name, { seeds: [seed.peer.peerId] })))
    for (const [i, f] of fetchers.entries()) {
      expect(f.store.info(name)).toMatchObject({ complete: true, pieces: 9 })
      expect(sameBytes(await f.store.readRange(name, 0, bytes.length), bytes)).toBe(true)
      expect(results[i].fromPeers + results[i].fromSeeds).toBe(9)
      expect(results[i].dropped).toEqual([])
    }
    // The seed sent less than each peer fetching the whole blob from it (1.6–1.75 blobs here, 4 naively).
    expect(seed.server.stats.bytesServed).toBeLessThan(4 * bytes.length)
    expect(results.reduce((n, r) => n + r.fromPeers, 0)).toBeGreaterThan(0)
  })

  it('drops a peer that sends a wrong piece, and gets that piece elsewhere', async () => {
    const bytes = bytesOf(3 * MiB, 2)
    const seed = await node('seed')
    const { name } = await seed.store.add(once(bytes))
    // A liar: it claims every piece and sends each one with a byte flipped.
    const liar = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    extraPeers.push(liar)
    await liar.serve(blobRpc, {
      locate: async () => msg.located(undefined, Uint8Array.of(0xff), []),
      fetch: async (request) => {
        const piece = (await seed.store.readPiece(name, request.pieces[0])).slice()
        piece[0] ^= 1
        return msg.piece(request.pieces[0], piece, Uint8Array.of(0xff))
      },
      describe: async () => { throw new Error('no tasks here') }
    })
    await liar.start()
    // It asks the seed for the blob, so that the seed names it to others.
    await liar.dial(seed.peer.multiaddrs()[0])
    await liar.call(seed.peer.peerId, blobRpc, msg.locate(name, liar.multiaddrs()))

    const honest = await node('honest')
    await honest.peer.dial(seed.peer.multiaddrs()[0])
    const result = await fetchBlob(honest, name, { seeds: [seed.peer.peerId] })
    expect(result.dropped).toEqual([liar.peerId])
    expect(result.fromPeers).toBe(0)
    expect(result.fromSeeds).toBe(3)
    expect(sameBytes(await honest.store.readRange(name, 0, bytes.length), bytes)).toBe(true)
  })

  it('stops asking a peer for pieces it claimed but says it does not hold, and gets them from the seed', async () => {
    const bytes = bytesOf(3 * MiB, 5)
    const seed = await node('seed')
    const { name } = await seed.store.add(once(bytes))
    // It claims every piece, then answers every fetch that it holds none of them.
    const claimer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    extraPeers.push(claimer)
    await claimer.serve(blobRpc, {
      locate: async () => msg.located(undefined, Uint8Array.of(0xff), []),
      fetch: async () => { throw Object.assign(new Error('none of these pieces is held here'), { name: 'UnknownBlobError' }) },
      describe: async () => { throw new Error('no tasks here') }
    })
    await claimer.start()
    await claimer.dial(seed.peer.multiaddrs()[0])
    await claimer.call(seed.peer.peerId, blobRpc, msg.locate(name, claimer.multiaddrs()))
    const fetcher = await node('fetcher')
    await fetcher.peer.dial(seed.peer.multiaddrs()[0])
    expect(await fetchBlob(fetcher, name, { seeds: [seed.peer.peerId] })).toEqual({ fromPeers: 0, fromSeeds: 3, dropped: [] })
    expect(sameBytes(await fetcher.store.readRange(name, 0, bytes.length), bytes)).toBe(true)
  })

  it('names to others only the peers that asked for a blob it holds, and says nil for pieces when it holds none', async () => {
    const seed = await node('seed')
    const asker = await node('asker')
    await asker.peer.dial(seed.peer.multiaddrs()[0])
    const madeUp = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    expect(await asker.peer.call(seed.peer.peerId, blobRpc, msg.locate(madeUp, asker.peer.multiaddrs()))).toMatchObject({ manifest: null, have: null, peers: [] })
    expect(seed.server.askers(madeUp)).toEqual([])
    const { name } = await seed.store.add(once(bytesOf(1000, 6)))
    await asker.peer.call(seed.peer.peerId, blobRpc, msg.locate(name, asker.peer.multiaddrs()))
    expect(seed.server.askers(name)).toEqual([{ peerId: asker.peer.peerId, addrs: asker.peer.multiaddrs() }])
  })

  it('fetches only the pieces asked for, and after a restart only the ones still missing', async () => {
    const bytes = bytesOf(4 * MiB + 1, 3)
    const seed = await node('seed')
    const { name } = await seed.store.add(once(bytes))
    const first = await node('fetcher')
    await first.peer.dial(seed.peer.multiaddrs()[0])
    expect(await fetchBlob(first, name, { seeds: [seed.peer.peerId], pieces: [1, 4] })).toEqual({ fromPeers: 0, fromSeeds: 2, dropped: [] })
    expect(first.store.bitfield(name)).toEqual(Uint8Array.of(0b01001000))
    expect(sameBytes(await first.store.readRange(name, PIECE_SIZE, 2 * PIECE_SIZE), bytes.subarray(PIECE_SIZE, 2 * PIECE_SIZE))).toBe(true)
    await first.peer.stop()

    // The same folder in a new process: the two pieces are there, three more come.
    const again = { peer: createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] }), store: await BlobStore.open({ dir: first.dir, maxBytes: 64 * MiB }) }
    extraPeers.push(again.peer)
    await again.peer.start()
    await again.peer.dial(seed.peer.multiaddrs()[0])
    expect(again.store.info(name)).toMatchObject({ held: 2 })
    expect(await fetchBlob(again, name, { seeds: [seed.peer.peerId] })).toEqual({ fromPeers: 0, fromSeeds: 3, dropped: [] })
    expect(sameBytes(await again.store.readRange(name, 0, bytes.length), bytes)).toBe(true)
  })

  it('says so when no seed holds the blob', async () => {
    const seed = await node('seed')
    const other = await BlobStore.open({ dir: join(root, 'elsewhere'), maxBytes: 64 * MiB })
    const { name } = await other.add(once(bytesOf(1000, 4)))
    const fetcher = await node('fetcher')
    await fetcher.peer.dial(seed.peer.multiaddrs()[0])
    await expect(fetchBlob(fetcher, name, { seeds: [seed.peer.peerId] })).rejects.toThrow(`could not fetch blob ${name}: none of its seeds (${seed.peer.peerId}) holds it`)
  })
})
