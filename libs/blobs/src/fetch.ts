/**
 * Fetches the pieces of a blob a worker needs from the peers that have them, several at once,
 * rarest piece first, and from the seeds (the coordinator) only what no peer it knows has. The
 * seeds are asked first for the manifest and for the peers that asked them for the same blob;
 * every answer carries the pieces its sender holds, so the picture stays fresh without extra
 * requests. A piece is written only after it matches its digest: a peer that sends a wrong one
 * is dropped for this blob and the piece is fetched elsewhere.
 */
import type { Peer } from '@cycleshare/peer'
import { blobRpc, isRemoteError, msg, type BlobSource } from '@cycleshare/protocol'
import { hasBit } from './bits.js'
import { parseBlobName, type Manifest } from './manifest.js'
import type { BlobStore } from './store.js'

/** Requests in flight to one source: two hide a round trip. */
const PER_SOURCE = 2
/** Pieces a seed is offered to choose from: it sends the one it has sent least. */
const SEED_CHOICES = 8
/** A source that does not answer a request within this is counted failed (twice: dropped). */
const REQUEST_TIMEOUT_MS = 10_000
/** How often the sources are asked again what they hold while the fetch waits. */
const REFRESH_MS = 200
/** What peers hold is asked again before a seed is, when it was last asked longer ago than this. */
const FRESH_MS = 50
/** Sources known at most, seeds included. */
const MAX_SOURCES = 48
/** No piece for this long, and the fetch gives up. */
const STALL_MS = 30_000

export type FetchPeer = Pick<Peer, 'peerId' | 'call' | 'dial' | 'connectedPeers' | 'multiaddrs'>

export interface FetchComponents {
  peer: FetchPeer
  store: BlobStore
  log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void
}

export interface FetchOptions {
  /** Peer ids asked first, for the manifest and the swarm, and for pieces no peer has (the coordinator). */
  seeds: string[]
  /** The pieces wanted; all of them by default. */
  pieces?: number[]
  /** Only the pieces holding bytes [start, end) of the blob (checked against its size). */
  bytes?: { start: number, end: number }
  /** Requests in flight at once. @defaultValue 6 */
  concurrency?: number
  signal?: AbortSignal
}

export interface FetchResult {
  /** Pieces written by this fetch, from peers and from seeds. */
  fromPeers: number
  fromSeeds: number
  /** Peers dropped for sending a piece that did not match its digest (or one not asked for). */
  dropped: string[]
}

interface Source {
  id: string
  addrs: string[]
  seed: boolean
  have?: Uint8Array
  inFlight: number
  /** A `locate` to it is under way. */
  locating?: boolean
  failures: number
  dropped: boolean
}

export async function fetchBlob (components: FetchComponents, name: string, options: FetchOptions): Promise<FetchResult> {
  return await new BlobFetch(components, parseBlobName(name, 'blob'), options).run()
}

class BlobFetch {
  readonly #sources = new Map<string, Source>()
  readonly #wanted = new Set<number>()
  readonly #inFlight = new Set<number>()
  readonly #result: FetchResult = { fromPeers: 0, fromSeeds: 0, dropped: [] }
  readonly #concurrency: number
  #requests = 0
  #progressAt = Date.now()
  #wake: () => void = () => {}

  constructor (private readonly components: FetchComponents, private readonly name: string, private readonly options: FetchOptions) {
    this.#concurrency = options.concurrency ?? 6
    for (const id of options.seeds) this.#sources.set(id, { id, addrs: [], seed: true, inFlight: 0, failures: 0, dropped: false })
  }

  async run (): Promise<FetchResult> {
    const { store } = this.components
    if (store.manifest(this.name) === undefined) await this.#begin()
    const { manifest } = store.manifest(this.name)!
    for (const i of this.options.pieces ?? piecesOf(manifest, this.options.bytes)) if (!store.hasPiece(this.name, i)) this.#wanted.add(i)
    let refreshedAt = 0
    while (this.#wanted.size > 0) {
      this.options.signal?.throwIfAborted()
      this.#dispatch(this.#fromPeers)
      // The seeds are the last resort: before one is asked, the peers are asked what they hold now.
      if (Date.now() - refreshedAt >= FRESH_MS && this.#requests < this.#concurrency && this.#fromSeed() !== undefined) {
        refreshedAt = Date.now()
        await this.#refresh()
        continue
      }
      this.#dispatch(this.#fromSeed)
      if (Date.now() - this.#progressAt > STALL_MS) {
        throw new Error(`could not fetch blob ${this.name}: no piece came for ${STALL_MS / 1000} s (${this.#wanted.size} still wanted)`)
      }
      const woken = new Promise<void>((resolve) => { this.#wake = resolve })
      await Promise.race([woken, sleep(REFRESH_MS)])
      if (this.#requests === 0 && Date.now() - refreshedAt >= REFRESH_MS) {
        refreshedAt = Date.now()
        await this.#refresh()
      }
    }
    return this.#result
  }

  /** The manifest, from the first seed that holds the blob; it is checked against the name. */
  async #begin (): Promise<void> {
    for (const seed of this.options.seeds) {
      const located = await this.#locate(this.#sources.get(seed)!)
      if (located?.manifest != null) {
        await this.components.store.begin(this.name, located.manifest)
        return
      }
    }
    throw new Error(`could not fetch blob ${this.name}: none of its seeds (${this.options.seeds.join(', ')}) holds it`)
  }

  /**
   * Asks the seeds (for new peers) and every peer (for what it holds now) at once, and waits for
   * the answers at most FRESH_MS: a peer that is slow to answer, or named but gone, holds up
   * nothing (it is dropped after two failures, its answer counts whenever it comes).
   */
  async #refresh (): Promise<void> {
    const asking = [...this.#sources.values()].filter(s => !s.dropped && s.inFlight === 0 && !s.locating).map(async s => {
      s.locating = true
      try {
        await this.#locate(s)
      } finally {
        s.locating = false
        this.#wake()
      }
    })
    await Promise.race([Promise.all(asking), sleep(FRESH_MS)])
  }

  async #locate (source: Source): Promise<ReturnType<typeof msg.located> | undefined> {
    const { peer } = this.components
    try {
      await this.#reach(source)
      const located = await peer.call(source.id, blobRpc, msg.locate(this.name, peer.multiaddrs()), { signal: this.#signal() })
      source.have = located.have ?? undefined
      for (const found of located.peers) this.#learn(found)
      return located
    } catch (err) {
      this.#failed(source, err)
      return undefined
    }
  }

  #learn ({ peerId, addrs }: BlobSource): void {
    if (peerId === this.components.peer.peerId || this.#sources.has(peerId)) return
    // Dropped sources make room: a reply naming dead peers cannot keep live ones out.
    if ([...this.#sources.values()].filter(s => !s.dropped).length >= MAX_SOURCES) return
    this.#sources.set(peerId, { id: peerId, addrs: addrs.filter(a => a.endsWith(`/p2p/${peerId}`)), seed: false, inFlight: 0, failures: 0, dropped: false })
  }

  /** Starts requests while there is room, each for what `pick` chooses. */
  #dispatch (pick: () => { source: Source, pieces: number[] } | undefined): void {
    while (this.#requests < this.#concurrency) {
      const next = pick.call(this)
      if (next === undefined) return
      void this.#request(next.source, next.pieces)
    }
  }

  /** The rarest wanted piece that a peer with room holds. */
  #fromPeers (): { source: Source, pieces: number[] } | undefined {
    const peers = [...this.#sources.values()].filter(s => !s.seed && !s.dropped)
    let best: { source: Source, pieces: number[], holders: number } | undefined
    for (const i of shuffled([...this.#wanted])) {
      if (this.#inFlight.has(i)) continue
      const holders = peers.filter(s => hasBit(s.have, i))
      const free = holders.filter(s => s.inFlight < PER_SOURCE)
      if (free.length === 0 || (best !== undefined && holders.length >= best.holders)) continue
      best = { source: free[Math.floor(Math.random() * free.length)], pieces: [i], holders: holders.length }
      if (holders.length === 1) break
    }
    return best
  }

  /** Wanted pieces no peer is known to hold, from a seed with room that holds them. */
  #fromSeed (): { source: Source, pieces: number[] } | undefined {
    const peers = [...this.#sources.values()].filter(s => !s.seed && !s.dropped)
    // Only what no peer holds: the seed is the last resort, and the swarm grows from what it sends.
    const onlySeeded = shuffled([...this.#wanted]).filter(i => !this.#inFlight.has(i) && !peers.some(s => hasBit(s.have, i)))
    for (const seed of this.#sources.values()) {
      if (!seed.seed || seed.dropped || seed.inFlight >= PER_SOURCE) continue
      const pieces = onlySeeded.filter(i => hasBit(seed.have, i)).slice(0, SEED_CHOICES)
      if (pieces.length > 0) return { source: seed, pieces }
    }
    return undefined
  }

  async #request (source: Source, pieces: number[]): Promise<void> {
    const { peer, store, log } = this.components
    this.#requests++
    source.inFlight++
    for (const i of pieces) this.#inFlight.add(i)
    try {
      await this.#reach(source)
      const answer = await peer.call(source.id, blobRpc, msg.fetch(this.name, pieces), { signal: this.#signal() })
      source.have = answer.have
      if (!pieces.includes(answer.index)) {
        this.#drop(source, `sent piece ${answer.index}, which was not asked for`)
        return
      }
      try {
        if (await store.writePiece(this.name, answer.index, answer.bytes)) {
          if (source.seed) this.#result.fromSeeds++
          else this.#result.fromPeers++
        }
        this.#wanted.delete(answer.index)
        this.#progressAt = Date.now()
        source.failures = 0
      } catch (err) {
        if ((err as Error).name !== 'PieceMismatchError') throw err
        this.#drop(source, (err as Error).message)
        log?.('warn', 'a peer sent a piece that does not match its digest; it is dropped for this blob', { blob: this.name, peer: source.id, piece: answer.index })
      }
    } catch (err) {
      // It answered that it holds none of them (evicted, or it claimed what it never had): it is
      // no source of these pieces until it says otherwise.
      if (isRemoteError(err) && source.have !== undefined) {
        source.have = source.have.slice()
        for (const i of pieces) source.have[i >> 3] &= ~(0x80 >> (i & 7))
      }
      this.#failed(source, err)
    } finally {
      this.#requests--
      source.inFlight--
      for (const i of pieces) this.#inFlight.delete(i)
      this.#wake()
    }
  }

  /** Dials a source it is not connected to, at the addresses it was named with. */
  async #reach (source: Source): Promise<void> {
    const { peer } = this.components
    if (source.addrs.length === 0 || peer.connectedPeers().includes(source.id)) return
    for (const addr of source.addrs) {
      try {
        await peer.dial(addr)
        return
      } catch {}
    }
    throw new Error(`could not dial ${source.id}`)
  }

  #failed (source: Source, err: unknown): void {
    // A source that no longer holds what was asked answers an error: it was reached, it did not fail.
    if (isRemoteError(err)) return
    if (++source.failures >= 2) source.dropped = true
  }

  #drop (source: Source, why: string): void {
    source.dropped = true
    if (!this.#result.dropped.includes(source.id)) this.#result.dropped.push(source.id)
    this.components.log?.('warn', 'blob source dropped', { blob: this.name, peer: source.id, why })
  }

  #signal (): AbortSignal {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    return this.options.signal === undefined ? timeout : AbortSignal.any([timeout, this.options.signal])
  }
}

/** The pieces holding `bytes` of the blob, or all of them. */
function piecesOf (manifest: Manifest, bytes: { start: number, end: number } | undefined): Iterable<number> {
  if (bytes === undefined) return manifest.digests.keys()
  const { start, end } = bytes
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > manifest.size || start >= end) {
    throw new RangeError(`bytes [${start}, ${end}) are not within the blob's ${manifest.size} bytes`)
  }
  const first = Math.floor(start / manifest.pieceSize)
  return Array.from({ length: Math.ceil(end / manifest.pieceSize) - first }, (_, i) => first + i)
}

function shuffled<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => { setTimeout(resolve, ms).unref() })
}
