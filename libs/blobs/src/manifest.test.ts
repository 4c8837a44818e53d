import { describe, expect, it } from 'vitest'
import { PIECE_SIZE } from './constants.js'
import { checkManifest, decodeManifest, encodeManifest, nameOf, parseBlobName, pieceBounds, sha256 } from './manifest.js'

const manifestOf = (bytes: Uint8Array, pieceSize = PIECE_SIZE): { size: number, pieceSize: number, digests: Uint8Array[] } => {
  const digests: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += pieceSize) digests.push(sha256(bytes.subarray(at, at + pieceSize)))
  return { size: bytes.length, pieceSize, digests }
}

describe('blob manifests and names', () => {
  const bytes = new Uint8Array(PIECE_SIZE * 2 + 5).map((_, i) => i % 251)
  const manifest = manifestOf(bytes)
  const encoded = encodeManifest(manifest)

  it('encode the size, piece size and one digest a piece, and decode to the same', () => {
    expect(encoded.length).toBe(16 + 3 * 32)
    expect(decodeManifest(encoded)).toEqual(manifest)
    expect(pieceBounds(manifest, 2)).toEqual({ start: 2 * PIECE_SIZE, end: 2 * PIECE_SIZE + 5 })
  })

  it('name a blob by a CIDv1 of its manifest, which parses back to itself', () => {
    const name = nameOf(encoded)
    expect(name).toMatch(/^bafkrei[a-z2-7]{52}$/)
    expect(parseBlobName(name)).toBe(name)
    expect(checkManifest(name, encoded)).toEqual(manifest)
  })

  it('refuse a manifest that is not the one the name covers', () => {
    const forged = encoded.slice()
    forged[16] ^= 1 // the first piece's digest
    expect(() => checkManifest(nameOf(encoded), forged)).toThrow(/does not hash to bafkrei/)
  })

  it.each([
    [new Uint8Array(3), 'a manifest is at least 16 bytes, got 3'],
    [Uint8Array.from([0x41, ...encoded.subarray(1)]), 'a manifest starts with "CSB1"'],
    [encoded.subarray(0, encoded.length - 1), 'a manifest of 3 pieces is 112 bytes, got 111'],
    [(() => { const b = encoded.slice(); new DataView(b.buffer).setUint32(12, 1000); return b })(), 'manifest piece size must be from 65536 to 4194304 bytes, got 1000'],
    [(() => { const b = encoded.slice(); new DataView(b.buffer).setBigUint64(4, 0n); return b })(), 'manifest size must be from 1 to 65536 pieces of 1048576 bytes, got 0']
  ])('refuse malformed manifest bytes, saying what is wrong (%#)', (bad, message) => {
    expect(() => decodeManifest(bad)).toThrow(message)
  })

  it.each([
    [42, 'blob must be a blob name (a CID, "bafkrei…"), got number'],
    ['', 'blob must be a blob name (a CID, "bafkrei…"), got an empty string'],
    ['hello', 'blob must be a blob name (a CID, "bafkrei…"), got "hello"'],
    // A CIDv0 (dag-pb) and a CIDv1 of dag-cbor: real CIDs, but not blob names.
    ['QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', 'blob must name a blob: a CIDv1 of raw bytes with a sha256 multihash'],
    ['bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'blob must name a blob: a CIDv1 of raw bytes with a sha256 multihash']
  ])('refuse %j as a blob name', (value, message) => {
    expect(() => parseBlobName(value, 'blob')).toThrow(message)
  })
})
