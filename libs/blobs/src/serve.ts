/**
 * Serves the blobs of a store on `/cycleshare/blob/1.0.0`: `locate` answers the manifest, the
 * pieces held and the peers still connected here that asked for the same blob lately (so that an
 * asker finds the swarm from whoever it asks first); `fetch` sends one of the pieces offered, the one sent least, so
 * that peers asking at once get different pieces to pass on to each other.
 */
import type { BlobServerStats } from '@cycleshare/api'
import type { Peer } from '@cycleshare/peer'
import { blobRpc, msg, type BlobSource, type DescribedMessage } from '@cycleshare/protocol'
import { UnknownBlobError, UnknownTaskRecordError } from './errors.js'
import { parseBlobName } from './manifest.js'
import type { BlobStore } from './store.js'

/** How long an asker is named to others, and how many are kept per blob and named in one answer. */
const ASKER_TTL_MS = 10 * 60_000
const ASKERS_KEPT = 64
const ASKERS_NAMED = 32
/** Blobs whose askers are remembered; the one asked for longest ago is forgotten first. */
const BLOBS_TRACKED = 1024

export interface BlobServerComponents {
  peer: Pick<Peer, 'serve' | 'connectedPeers'>
  store: BlobStore
  /** The signed record of a custom task this peer holds, for `describe`; none by default. */
  describe?: (task: string) => TaskRecord | undefined
  now?: () => number
}

/** A custom task's signed record, as `described` carries it. */
export type TaskRecord = Omit<DescribedMessage, 'v' | 'kind'>

export type { BlobServerStats } from '@cycleshare/api'

export interface BlobServer {
  readonly stats: Readonly<BlobServerStats>
  /** The peers that asked for `name` lately, newest first. */
  askers(name: string): BlobSource[]
}

export async function serveBlobs (components: BlobServerComponents): Promise<BlobServer> {
  const server = new Server(components)
  await components.peer.serve(blobRpc, {
    locate: async (request, from) => server.locate(request.blob, request.addrs, from),
    fetch: async (request, from) => await server.fetch(request.blob, request.pieces, from),
    describe: async (request) => {
      const record = components.describe?.(request.task)
      if (record === undefined) throw new UnknownTaskRecordError(`no custom task ${request.task} is registered here`)
      return msg.described(record)
    }
  })
  return server
}

class Server implements BlobServer {
  readonly stats: BlobServerStats = { piecesServed: 0, bytesServed: 0 }
  /** By blob, its askers by peer id, in the order last heard (so the oldest come first). */
  readonly #askers = new Map<string, Map<string, { addrs: string[], at: number }>>()
  /** By blob, how often each piece was sent. */
  readonly #sent = new Map<string, Map<number, number>>()
  readonly #store: BlobStore
  readonly #now: () => number
  readonly #connected: () => string[]

  constructor ({ peer, store, now }: BlobServerComponents) {
    this.#store = store
    this.#now = now ?? Date.now
    this.#connected = () => peer.connectedPeers()
  }

  locate (raw: string, addrs: string[], from: string): ReturnType<typeof msg.located> {
    const name = parseBlobName(raw, 'blob')
    // Only askers still connected here: one that left (or never meant to serve) is no source.
    const connected = new Set(this.#connected())
    const named = this.askers(name).filter(a => a.peerId !== from && connected.has(a.peerId)).slice(0, ASKERS_NAMED)
    const held = this.#store.manifest(name)
    // Askers are remembered only for blobs held here (a flood of made-up names pushes out nothing),
    // with only the addresses that end in their own peer id: dialling one reaches that peer or fails.
    if (held !== undefined) this.#remember(name, from, addrs.filter(a => a.endsWith(`/p2p/${from}`)))
    const have = held === undefined ? undefined : this.#store.bitfield(name)
    return msg.located(held?.bytes, have?.some(byte => byte !== 0) === true ? have : undefined, named)
  }

  async fetch (raw: string, pieces: number[], from: string): Promise<ReturnType<typeof msg.piece>> {
    const name = parseBlobName(raw, 'blob')
    const held = pieces.filter(i => this.#store.hasPiece(name, i))
    if (held.length === 0) throw new UnknownBlobError(`none of pieces ${pieces.slice(0, 8).join(', ')}${pieces.length > 8 ? ', …' : ''} of ${name} is held here`)
    const sent = this.#sent.get(name) ?? new Map<number, number>()
    // Re-inserted, so the map stays in the order last served, and bounded like the askers.
    this.#sent.delete(name)
    this.#sent.set(name, sent)
    if (this.#sent.size > BLOBS_TRACKED) this.#sent.delete(this.#sent.keys().next().value as string)
    let index = held[0]
    for (const i of held) if ((sent.get(i) ?? 0) < (sent.get(index) ?? 0)) index = i
    sent.set(index, (sent.get(index) ?? 0) + 1)
    const bytes = await this.#store.readPiece(name, index)
    this.stats.piecesServed++
    this.stats.bytesServed += bytes.length
    this.#remember(name, from, undefined)
    return msg.piece(index, bytes, this.#store.bitfield(name))
  }

  askers (name: string): BlobSource[] {
    const askers = this.#askers.get(name)
    if (askers === undefined) return []
    const since = this.#now() - ASKER_TTL_MS
    return [...askers].reverse().filter(([, a]) => a.at >= since && a.addrs.length > 0).map(([peerId, a]) => ({ peerId, addrs: a.addrs }))
  }

  /** Notes that `peerId` asked for `name` (at `addrs`; undefined keeps the ones it gave before). */
  #remember (name: string, peerId: string, addrs: string[] | undefined): void {
    let askers = this.#askers.get(name)
    if (askers === undefined) {
      askers = new Map()
      if (this.#askers.size >= BLOBS_TRACKED) this.#askers.delete(this.#askers.keys().next().value as string)
    }
    // Re-inserted: the maps stay in the order last heard.
    this.#askers.delete(name)
    this.#askers.set(name, askers)
    const known = askers.get(peerId)
    askers.delete(peerId)
    askers.set(peerId, { addrs: addrs !== undefined && addrs.length > 0 ? addrs : known?.addrs ?? [], at: this.#now() })
    if (askers.size > ASKERS_KEPT) askers.delete(askers.keys().next().value as string)
  }
}
