/**
 * Blobs on disk, whole or in part, under one directory with a size cap. Each blob is a directory
 * named by the blob: `manifest` (its bytes), `data` (the blob, pieces at their offsets, holes where
 * a piece is missing) and `have` (the index of each piece held, 4 bytes each, appended once the
 * piece is on disk). A piece is written only after its hash matches the manifest, so what the
 * store holds is always what the name promises, and a process restarted mid-fetch goes on from
 * the pieces it had. When a new blob needs room, the least recently used blobs that no running
 * job pins are evicted.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { appendFile, mkdir, open, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PIECE_INDEX_BYTES, readBlobDir } from './blob-dir.js'
import { BlobStoreFullError, BlobTooLargeError, InvalidManifestError, PieceMismatchError, UnknownBlobError } from './errors.js'
import { ingest } from './ingest.js'
import { checkManifest, encodeManifest, nameOf, parseBlobName, pieceBounds, pieceCount, sha256, type Manifest } from './manifest.js'

export interface BlobStoreInit {
  /** The store's directory (created if absent), e.g. `<data dir>/blobs`. */
  dir: string
  /** The most bytes of blobs held at once, whole or in part (a partial blob counts its full size). */
  maxBytes: number
}

export interface BlobInfo {
  name: string
  /** Bytes in the blob. */
  size: number
  pieces: number
  /** Pieces held. */
  held: number
  complete: boolean
  /** Runs that hold it pinned (`pin`). */
  pins: number
  /** Pinned, or needed by a running job (`protect`): it is not evicted. */
  inUse: boolean
  /** When it was last written or read (ms since the epoch): the least recent goes first. */
  lastUsed: number
}

interface Entry {
  name: string
  manifestBytes: Uint8Array
  manifest: Manifest
  have: Uint8Array
  held: number
  pins: number
  lastUsed: number
  /** Order of last use (milliseconds tie): the lowest is evicted first. */
  useOrder: number
  /** Pieces being written now: a second write of one waits for the first. */
  writing: Map<number, Promise<boolean>>
}


export class BlobStore {
  readonly #dir: string
  readonly #maxBytes: number
  readonly #entries = new Map<string, Entry>()
  /** Blobs being begun: a second `begin` of one waits for the first rather than wiping what it wrote. */
  readonly #beginning = new Map<string, Promise<BlobInfo>>()
  /** Bytes promised to blobs being added or begun, not in the entries yet: two at once cannot both take the same room. */
  #reserved = 0
  #uses = 0
  #needed: (name: string) => boolean = () => false

  private constructor ({ dir, maxBytes }: BlobStoreInit) {
    this.#dir = dir
    this.#maxBytes = maxBytes
  }

  /** Opens the store, reading what a previous process left: blobs with a valid manifest stay, anything else goes. */
  static async open (init: BlobStoreInit): Promise<BlobStore> {
    if (!Number.isSafeInteger(init.maxBytes) || init.maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${init.maxBytes}`)
    const store = new BlobStore(init)
    await mkdir(init.dir, { recursive: true })
    for (const item of await readdir(init.dir)) await store.#load(item)
    for (const entry of [...store.#entries.values()].sort((a, b) => a.lastUsed - b.lastUsed)) entry.useOrder = ++store.#uses
    return store
  }

  get usedBytes (): number {
    let used = 0
    for (const entry of this.#entries.values()) used += entry.manifest.size
    return used
  }

  list (): BlobInfo[] {
    return [...this.#entries.values()].map(e => this.#info(e)).sort((a, b) => b.lastUsed - a.lastUsed)
  }

  info (name: string): BlobInfo | undefined {
    const entry = this.#entries.get(name)
    return entry === undefined ? undefined : this.#info(entry)
  }

  /** Never evicts a blob for which `needed` answers true (the blobs that running jobs name). */
  protect (needed: (name: string) => boolean): void {
    this.#needed = needed
  }

  /** The manifest of a blob held (whole or in part), with its bytes as the name covers them. */
  manifest (name: string): { bytes: Uint8Array, manifest: Manifest } | undefined {
    const entry = this.#entries.get(name)
    return entry === undefined ? undefined : { bytes: entry.manifestBytes, manifest: entry.manifest }
  }

  hasPiece (name: string, index: number): boolean {
    const entry = this.#entries.get(name)
    return entry !== undefined && Number.isSafeInteger(index) && index >= 0 && index < entry.manifest.digests.length && entry.have[index] === 1
  }

  /** The pieces held of `name`, one bit a piece, the first piece in the high bit of byte 0. */
  bitfield (name: string): Uint8Array {
    const entry = this.#entry(name)
    const bits = new Uint8Array(Math.ceil(entry.have.length / 8))
    entry.have.forEach((held, i) => { if (held === 1) bits[i >> 3] |= 0x80 >> (i & 7) })
    return bits
  }

  /**
   * Stores an upload whole: streamed to disk while its pieces are hashed, then named. At most
   * `maxBytes` (and never more than the store's cap); an upload of a blob already held keeps the
   * one copy.
   */
  async add (source: AsyncIterable<Uint8Array>, { maxBytes = this.#maxBytes }: { maxBytes?: number } = {}): Promise<BlobInfo> {
    const temp = join(this.#dir, `.upload-${randomBytes(8).toString('hex')}`)
    let reserved = 0
    try {
      const manifest = await ingest(source, temp, { maxBytes: Math.min(maxBytes, this.#maxBytes) })
      const manifestBytes = encodeManifest(manifest)
      const name = nameOf(manifestBytes)
      const known = this.#entries.get(name)
      if (known?.held === manifest.digests.length) {
        await this.#touch(known)
        return this.#info(known)
      }
      // A blob being fetched is completed in place (its pins stay); a new one needs room.
      if (known === undefined) reserved = await this.#makeRoom(manifest.size, name)
      await mkdir(join(this.#dir, name), { recursive: true })
      await rename(temp, join(this.#dir, name, 'data'))
      const have = new Uint8Array(manifest.digests.length).fill(1)
      const log = Buffer.alloc(have.length * PIECE_INDEX_BYTES)
      for (let i = 0; i < have.length; i++) log.writeUInt32BE(i, i * PIECE_INDEX_BYTES)
      await writeFile(join(this.#dir, name, 'have'), log)
      if (known !== undefined) {
        known.have = have
        known.held = have.length
        await this.#touch(known)
        return this.#info(known)
      }
      // The manifest last: a directory without one is an unfinished write, removed on open.
      await writeFile(join(this.#dir, name, 'manifest'), manifestBytes)
      const entry: Entry = { name, manifestBytes, manifest, have, held: have.length, pins: 0, lastUsed: Date.now(), useOrder: ++this.#uses, writing: new Map() }
      this.#entries.set(name, entry)
      return this.#info(entry)
    } finally {
      // In the entries now, or never: either way no longer promised.
      this.#reserved -= reserved
      await rm(temp, { force: true })
    }
  }

  /**
   * Makes room for blob `name`, to be filled piece by piece (`writePiece`), after checking that
   * `manifestBytes` are the manifest its name covers. A blob already held is left as it is.
   */
  async begin (name: string, manifestBytes: Uint8Array): Promise<BlobInfo> {
    name = parseBlobName(name)
    const known = this.#entries.get(name)
    if (known !== undefined) return this.#info(known)
    const under = this.#beginning.get(name)
    if (under !== undefined) return await under
    const begun = this.#begin(name, manifestBytes)
    this.#beginning.set(name, begun)
    try {
      return await begun
    } finally {
      this.#beginning.delete(name)
    }
  }

  async #begin (name: string, manifestBytes: Uint8Array): Promise<BlobInfo> {
    const manifest = checkManifest(name, manifestBytes)
    const reserved = await this.#makeRoom(manifest.size, name)
    try {
      return await this.#create(name, manifestBytes, manifest)
    } finally {
      this.#reserved -= reserved
    }
  }

  async #create (name: string, manifestBytes: Uint8Array, manifest: Manifest): Promise<BlobInfo> {
    const dir = join(this.#dir, name)
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    const data = await open(join(dir, 'data'), 'w')
    try {
      await data.truncate(manifest.size)
    } finally {
      await data.close()
    }
    await writeFile(join(dir, 'have'), new Uint8Array(0))
    await writeFile(join(dir, 'manifest'), manifestBytes)
    const entry: Entry = { name, manifestBytes: new Uint8Array(manifestBytes), manifest, have: new Uint8Array(manifest.digests.length), held: 0, pins: 0, lastUsed: Date.now(), useOrder: ++this.#uses, writing: new Map() }
    this.#entries.set(name, entry)
    return this.#info(entry)
  }

  /**
   * Stores piece `index` of `name` once its bytes hash to the manifest's digest
   * (`PieceMismatchError` otherwise, and nothing is written). Resolves false when it was held already.
   */
  async writePiece (name: string, index: number, bytes: Uint8Array): Promise<boolean> {
    const entry = this.#entry(name)
    const { start, end } = this.#bounds(entry, index)
    if (entry.have[index] === 1) return false
    const writing = entry.writing.get(index)
    // Another write of this piece is under way: when it has failed (its bytes were wrong), these may be right.
    if (writing !== undefined) return await writing.then(() => false, async () => await this.writePiece(name, index, bytes))
    const write = this.#write(entry, index, start, end, bytes)
    entry.writing.set(index, write)
    try {
      return await write
    } finally {
      entry.writing.delete(index)
    }
  }

  async #write (entry: Entry, index: number, start: number, end: number, bytes: Uint8Array): Promise<boolean> {
    const name = entry.name
    if (bytes.length !== end - start) throw new PieceMismatchError(`piece ${index} of ${name} is ${end - start} bytes, got ${bytes.length}`)
    if (!equal(sha256(bytes), entry.manifest.digests[index])) throw new PieceMismatchError(`piece ${index} of ${name} does not match its digest`)
    const data = await open(join(this.#dir, name, 'data'), 'r+')
    try {
      await data.write(bytes, 0, bytes.length, start)
      // On disk before the log says so: a crash then loses at most a piece to fetch again.
      await data.datasync()
    } finally {
      await data.close()
    }
    if (entry.have[index] === 1 || this.#entries.get(name) !== entry) return false
    const record = Buffer.alloc(PIECE_INDEX_BYTES)
    record.writeUInt32BE(index)
    await appendFile(join(this.#dir, name, 'have'), record)
    entry.have[index] = 1
    entry.held++
    entry.lastUsed = Date.now()
    entry.useOrder = ++this.#uses
    return true
  }

  /** Piece `index` of `name`, which must be held (`UnknownBlobError` otherwise). */
  async readPiece (name: string, index: number): Promise<Uint8Array> {
    const entry = this.#entry(name)
    const { start, end } = this.#bounds(entry, index)
    if (entry.have[index] !== 1) throw new UnknownBlobError(`piece ${index} of ${name} is not held`)
    return await this.#read(entry, start, end)
  }

  /** Bytes [start, end) of `name`; every piece they touch must be held. */
  async readRange (name: string, start: number, end: number): Promise<Uint8Array> {
    const entry = this.#entry(name)
    this.#checkRange(entry, start, end)
    return await this.#read(entry, start, end)
  }

  /** Streams bytes [start, end) of `name` (for HTTP); every piece they touch must be held. */
  stream (name: string, start: number, end: number): AsyncIterable<Uint8Array> {
    const entry = this.#entry(name)
    this.#checkRange(entry, start, end)
    void this.#touch(entry)
    return createReadStream(join(this.#dir, name, 'data'), { start, end: end - 1 })
  }

  /** Keeps `name` from eviction until the returned function is called (once per pin). */
  pin (name: string): () => void {
    const entry = this.#entry(name)
    entry.pins++
    let pinned = true
    return () => {
      if (!pinned) return
      pinned = false
      entry.pins--
    }
  }

  async remove (name: string): Promise<void> {
    const entry = this.#entries.get(name)
    if (entry !== undefined) await this.#forget(entry)
  }

  #info (entry: Entry): BlobInfo {
    const pieces = entry.manifest.digests.length
    const inUse = entry.pins > 0 || this.#needed(entry.name)
    return { name: entry.name, size: entry.manifest.size, pieces, held: entry.held, complete: entry.held === pieces, pins: entry.pins, inUse, lastUsed: entry.lastUsed }
  }

  async #load (item: string): Promise<void> {
    try {
      const { name, manifestBytes, manifest, have, held, mtimeMs } = await readBlobDir(this.#dir, item)
      this.#entries.set(name, { name, manifestBytes, manifest, have, held, pins: 0, lastUsed: mtimeMs, useOrder: 0, writing: new Map() })
    } catch {
      // Not a blob this store finished writing (an upload cut short, a directory without its
      // manifest, something else): it goes.
      await rm(join(this.#dir, item), { recursive: true, force: true })
    }
  }

  /**
   * Evicts the least recently used unpinned blobs until `size` more bytes fit under the cap, and
   * reserves them (resolves with the bytes reserved, for the caller to give back once its blob is
   * in the entries or has failed).
   */
  async #makeRoom (size: number, name: string): Promise<number> {
    if (size > this.#maxBytes) throw new BlobTooLargeError(`blob ${name} is ${size} bytes, more than the store's cap of ${this.#maxBytes}`)
    const candidates = [...this.#entries.values()].filter(e => e.pins === 0 && !this.#needed(e.name)).sort((a, b) => a.useOrder - b.useOrder)
    let free = this.#maxBytes - this.usedBytes - this.#reserved
    const evict: Entry[] = []
    for (const entry of candidates) {
      if (free >= size) break
      evict.push(entry)
      free += entry.manifest.size
    }
    if (free < size) throw new BlobStoreFullError(`no room for blob ${name} (${size} bytes): the blobs held are in use by running jobs`)
    // Gone from the store before their files are: a job cannot name one while it is being removed.
    for (const entry of evict) this.#entries.delete(entry.name)
    this.#reserved += size
    await Promise.all(evict.map(async entry => { await this.#forget(entry) })).catch((err: unknown) => { this.#reserved -= size; throw err })
    return size
  }

  async #forget (entry: Entry): Promise<void> {
    this.#entries.delete(entry.name)
    await rm(join(this.#dir, entry.name), { recursive: true, force: true })
  }

  async #touch (entry: Entry): Promise<void> {
    entry.lastUsed = Date.now()
    entry.useOrder = ++this.#uses
    const at = new Date(entry.lastUsed)
    await utimes(join(this.#dir, entry.name, 'manifest'), at, at).catch(() => {})
  }

  #entry (name: string): Entry {
    const entry = this.#entries.get(name)
    if (entry === undefined) throw new UnknownBlobError(`no blob ${name} is held`)
    return entry
  }

  #bounds (entry: Entry, index: number): { start: number, end: number } {
    if (!Number.isSafeInteger(index) || index < 0 || index >= entry.manifest.digests.length) {
      throw new InvalidManifestError(`piece ${index} is outside blob ${entry.name}'s ${entry.manifest.digests.length} pieces`)
    }
    return pieceBounds(entry.manifest, index)
  }

  #checkRange (entry: Entry, start: number, end: number): void {
    const { size, pieceSize } = entry.manifest
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > size || start >= end) {
      throw new RangeError(`bytes [${start}, ${end}) are not within blob ${entry.name}'s ${size} bytes`)
    }
    for (let piece = Math.floor(start / pieceSize); piece < pieceCount(end, pieceSize); piece++) {
      if (entry.have[piece] !== 1) throw new UnknownBlobError(`piece ${piece} of ${entry.name} is not held`)
    }
  }

  async #read (entry: Entry, start: number, end: number): Promise<Uint8Array> {
    const data = await open(join(this.#dir, entry.name, 'data'), 'r')
    try {
      const bytes = new Uint8Array(end - start)
      for (let at = 0; at < bytes.length;) {
        const { bytesRead } = await data.read(bytes, at, bytes.length - at, start + at)
        if (bytesRead === 0) throw new UnknownBlobError(`blob ${entry.name} ends early on disk`)
        at += bytesRead
      }
      await this.#touch(entry)
      return bytes
    } finally {
      await data.close()
    }
  }
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
