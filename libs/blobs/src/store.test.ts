import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nameOf } from './manifest.js'
import { BlobStore } from './store.js'
import { bytesOf, manifestBytesOf } from './testing/bytes.js'

const MiB = 1024 * 1024

/** An upload as HTTP delivers it: chunks of sizes unrelated to the pieces. */
async function * chunked (bytes: Uint8Array, sizes = [1, 65_536, 300_001, 7]): AsyncGenerator<Uint8Array> {
  let at = 0
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]
    yield bytes.subarray(at, at + size)
    at += size
  }
}

/** Byte arrays of megabytes: compared whole, reported by length and first difference. */
function expectSame (actual: Uint8Array, expected: Uint8Array): void {
  const first = actual.findIndex((b, i) => b !== expected[i])
  expect({ length: actual.length, firstDifference: actual.length === expected.length && first === -1 ? -1 : first }).toEqual({ length: expected.length, firstDifference: -1 })
}

describe('BlobStore', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'blobs-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('stores an upload streamed in pieces of any size under the name of its manifest', async () => {
    const store = await BlobStore.open({ dir: join(dir, 'a'), maxBytes: 10 * MiB })
    const bytes = bytesOf(2 * MiB + 12_345)
    const info = await store.add(chunked(bytes))
    expect(info).toMatchObject({ name: nameOf(manifestBytesOf(bytes)), size: bytes.length, pieces: 3, held: 3, complete: true, pins: 0 })
    expectSame(await store.readRange(info.name, 0, bytes.length), bytes)
    expectSame(await store.readRange(info.name, MiB - 3, MiB + 4), bytes.subarray(MiB - 3, MiB + 4))
    expectSame(await store.readPiece(info.name, 2), bytes.subarray(2 * MiB))
    expect(store.bitfield(info.name)).toEqual(Uint8Array.of(0b11100000))
    // The same bytes again are the same blob, stored once.
    expect((await store.add(chunked(bytes, [MiB]))).name).toBe(info.name)
    expect(store.list()).toHaveLength(1)
  })

  it('refuses an empty upload and one past its limit, leaving no file behind', async () => {
    const store = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    await expect(store.add(chunked(new Uint8Array(0)))).rejects.toThrow('a blob holds at least one byte; the upload was empty')
    await expect(store.add(chunked(bytesOf(3 * MiB)), { maxBytes: 2 * MiB })).rejects.toMatchObject({ name: 'BlobTooLargeError', message: 'the blob is larger than 2097152 bytes' })
    // The store's cap bounds an upload too.
    const small = await BlobStore.open({ dir: join(dir, 'small'), maxBytes: MiB })
    await expect(small.add(chunked(bytesOf(MiB + 1)))).rejects.toThrow('the blob is larger than 1048576 bytes')
    expect(await readdir(dir)).toEqual(['small'])
    expect(await readdir(join(dir, 'small'))).toEqual([])
  })

  it('fills a blob piece by piece from its manifest, checking each piece against its digest', async () => {
    const source = await BlobStore.open({ dir: join(dir, 'source'), maxBytes: 10 * MiB })
    const bytes = bytesOf(3 * MiB - 1, 7)
    const { name } = await source.add(chunked(bytes))
    const fetcher = await BlobStore.open({ dir: join(dir, 'fetcher'), maxBytes: 10 * MiB })
    expect(await fetcher.begin(name, source.manifest(name)!.bytes)).toMatchObject({ name, size: bytes.length, pieces: 3, held: 0, complete: false })
    // A lying peer's piece: same length, wrong bytes. Nothing is written.
    const forged = (await source.readPiece(name, 1)).slice()
    forged[100] ^= 0xff
    await expect(fetcher.writePiece(name, 1, forged)).rejects.toMatchObject({ name: 'PieceMismatchError', message: `piece 1 of ${name} does not match its digest` })
    await expect(fetcher.writePiece(name, 1, forged.subarray(1))).rejects.toThrow(`piece 1 of ${name} is 1048576 bytes, got 1048575`)
    expect(fetcher.hasPiece(name, 1)).toBe(false)
    await expect(fetcher.readRange(name, 0, 10)).rejects.toThrow(`piece 0 of ${name} is not held`)
    for (const index of [2, 0, 1]) expect(await fetcher.writePiece(name, index, await source.readPiece(name, index))).toBe(true)
    expect(await fetcher.writePiece(name, 0, await source.readPiece(name, 0))).toBe(false) // held already
    expect(fetcher.info(name)).toMatchObject({ held: 3, complete: true })
    expect(await fetcher.readRange(name, 0, bytes.length), bytes)
  })

  it('begins a blob once when two fetches begin it at the same time', async () => {
    const store = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    const bytes = bytesOf(2 * MiB, 8)
    const m = manifestBytesOf(bytes)
    const [a, b] = await Promise.all([store.begin(nameOf(m), m), store.begin(nameOf(m), m)])
    expect(a).toEqual(b)
    await store.writePiece(nameOf(m), 0, bytes.subarray(0, MiB))
    expect(await store.begin(nameOf(m), m)).toMatchObject({ held: 1 })
    expectSame(await store.readPiece(nameOf(m), 0), bytes.subarray(0, MiB))
  })

  it('never lets two blobs begun at once take the same room past the cap', async () => {
    const store = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    const a = manifestBytesOf(bytesOf(6 * MiB, 9))
    const b = manifestBytesOf(bytesOf(6 * MiB, 10))
    const [first, second] = await Promise.allSettled([store.begin(nameOf(a), a), store.begin(nameOf(b), b)])
    expect(first.status).toBe('fulfilled')
    expect(second).toMatchObject({ status: 'rejected', reason: { name: 'BlobStoreFullError' } })
    expect(store.usedBytes).toBe(6 * MiB)
    // Once the first is in the store, it can be evicted for the second like any other.
    await store.begin(nameOf(b), b)
    expect(store.list().map(i => i.name)).toEqual([nameOf(b)])
  })

  it('refuses a manifest that its name does not cover, and a piece outside the blob', async () => {
    const store = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    const a = manifestBytesOf(bytesOf(MiB, 1))
    const b = manifestBytesOf(bytesOf(MiB, 2))
    await expect(store.begin(nameOf(a), b)).rejects.toThrow(`the manifest does not hash to ${nameOf(a)}`)
    await expect(store.begin('not-a-name', a)).rejects.toThrow('name must be a blob name')
    await store.begin(nameOf(a), a)
    await expect(store.writePiece(nameOf(a), 1, new Uint8Array(1))).rejects.toThrow(`piece 1 is outside blob ${nameOf(a)}'s 1 pieces`)
    await expect(store.readPiece(nameOf(b), 0)).rejects.toThrow(`no blob ${nameOf(b)} is held`)
  })

  it('goes on after a restart from the pieces it had, and drops what a crash left half written', async () => {
    const bytes = bytesOf(3 * MiB, 3)
    const manifestBytes = manifestBytesOf(bytes)
    const name = nameOf(manifestBytes)
    const first = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    await first.begin(name, manifestBytes)
    await first.writePiece(name, 0, bytes.subarray(0, MiB))
    await first.writePiece(name, 2, bytes.subarray(2 * MiB))
    // A crash mid-append leaves a cut record; an upload and a blob without its manifest, cut short.
    await appendFile(join(dir, name, 'have'), Uint8Array.of(0, 0))
    await writeFile(join(dir, '.upload-0123'), bytes.subarray(0, 10))
    const unfinished = nameOf(manifestBytesOf(bytesOf(MiB, 9)))
    await mkdir(join(dir, unfinished))
    await writeFile(join(dir, unfinished, 'data'), new Uint8Array(10))

    const second = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    expect(second.info(name)).toMatchObject({ held: 2, complete: false })
    expect(second.bitfield(name)).toEqual(Uint8Array.of(0b10100000))
    expect(await readdir(dir)).toEqual([name])
    await second.writePiece(name, 1, bytes.subarray(MiB, 2 * MiB))
    expect(await second.readRange(name, 0, bytes.length), bytes)
  })

  it('evicts the least recently used unpinned blobs to make room, and says so when all are pinned', async () => {
    const store = await BlobStore.open({ dir, maxBytes: 3 * MiB })
    const a = await store.add(chunked(bytesOf(MiB + MiB / 2, 1)))
    const b = await store.add(chunked(bytesOf(MiB + MiB / 2, 2)))
    await store.readRange(a.name, 0, 1) // a is now more recent than b
    const c = await store.add(chunked(bytesOf(MiB + MiB / 2, 3)))
    expect(store.list().map(i => i.name).sort()).toEqual([a.name, c.name].sort())
    expect(store.usedBytes).toBe(3 * MiB)

    const unpinA = store.pin(a.name)
    store.pin(c.name)
    const d = manifestBytesOf(bytesOf(MiB, 4))
    await expect(store.begin(nameOf(d), d)).rejects.toMatchObject({ name: 'BlobStoreFullError', message: `no room for blob ${nameOf(d)} (1048576 bytes): the blobs held are in use by running jobs` })
    unpinA()
    unpinA() // a second call changes nothing
    expect(store.info(a.name)?.pins).toBe(0)
    await store.begin(nameOf(d), d)
    expect(store.info(a.name)).toBeUndefined()
    expect(store.info(c.name)).toMatchObject({ pins: 1, inUse: true })
    // A blob a running job names is kept as a pinned one is.
    store.protect(name => name === nameOf(d))
    const e = manifestBytesOf(bytesOf(MiB, 6))
    await expect(store.begin(nameOf(e), e)).rejects.toThrow('the blobs held are in use by running jobs')
    expect(store.info(nameOf(d))).toMatchObject({ pins: 0, inUse: true })

    const big = manifestBytesOf(bytesOf(3 * MiB + 1, 5))
    await expect(store.begin(nameOf(big), big)).rejects.toMatchObject({ name: 'BlobTooLargeError', message: `blob ${nameOf(big)} is 3145729 bytes, more than the store's cap of 3145728` })
  })

  it('streams a range for HTTP, and refuses one outside the blob', async () => {
    const store = await BlobStore.open({ dir, maxBytes: 10 * MiB })
    const bytes = bytesOf(2 * MiB, 6)
    const { name } = await store.add(chunked(bytes))
    const parts: Uint8Array[] = []
    for await (const part of store.stream(name, 10, MiB + 10)) parts.push(part)
    expectSame(Buffer.concat(parts), bytes.subarray(10, MiB + 10))
    expect(() => store.stream(name, 0, 2 * MiB + 1)).toThrow(`bytes [0, 2097153) are not within blob ${name}'s 2097152 bytes`)
  })
})
