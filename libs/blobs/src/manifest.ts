/**
 * A blob's manifest and name. The manifest lists the sha256 of every piece; the blob's name is a
 * CID of the manifest's bytes, so a name fixes every piece: a peer can check a manifest against
 * the name it asked for, and each piece against the manifest, before using or passing it on.
 *
 * Manifest bytes (big-endian): `CSB1`, size (uint64, ≥ 1), piece size (uint32, 2^16 to 2^22),
 * then one 32-byte sha256 digest per piece, ⌈size / piece size⌉ of them (at most 65,536).
 * Name: CIDv1, codec raw (0x55), multihash sha256 of the manifest bytes, in base32 (`bafkrei…`).
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { DIGEST_BYTES, MANIFEST_HEADER_BYTES, MANIFEST_MAGIC, MAX_PIECES } from './constants.js'
import { InvalidBlobNameError, InvalidManifestError } from './errors.js'

const RAW_CODEC = 0x55
const SHA256_CODE = 0x12
const MIN_PIECE_SIZE = 1 << 16
const MAX_PIECE_SIZE = 1 << 22

export interface Manifest {
  /** Bytes in the blob. */
  size: number
  /** Bytes in every piece but the last, which holds the rest. */
  pieceSize: number
  /** The sha256 of each piece, in order. */
  digests: Uint8Array[]
}

export function sha256 (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

export function pieceCount (size: number, pieceSize: number): number {
  return Math.ceil(size / pieceSize)
}

/** The bytes [start, end) of the blob that piece `index` holds. */
export function pieceBounds (manifest: Manifest, index: number): { start: number, end: number } {
  const start = index * manifest.pieceSize
  return { start, end: Math.min(start + manifest.pieceSize, manifest.size) }
}

export function encodeManifest (manifest: Manifest): Uint8Array {
  const bytes = new Uint8Array(MANIFEST_HEADER_BYTES + manifest.digests.length * DIGEST_BYTES)
  bytes.set(MANIFEST_MAGIC, 0)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(4, BigInt(manifest.size))
  view.setUint32(12, manifest.pieceSize)
  manifest.digests.forEach((digest, i) => { bytes.set(digest, MANIFEST_HEADER_BYTES + i * DIGEST_BYTES) })
  return bytes
}

/** Reads manifest bytes, refusing anything that breaks the format, with what is wrong. */
export function decodeManifest (bytes: Uint8Array): Manifest {
  if (!(bytes instanceof Uint8Array)) throw new InvalidManifestError('a manifest must be bytes')
  if (bytes.length < MANIFEST_HEADER_BYTES) throw new InvalidManifestError(`a manifest is at least ${MANIFEST_HEADER_BYTES} bytes, got ${bytes.length}`)
  if (!MANIFEST_MAGIC.every((b, i) => bytes[i] === b)) throw new InvalidManifestError('a manifest starts with "CSB1"')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = view.getBigUint64(4)
  const pieceSize = view.getUint32(12)
  if (pieceSize < MIN_PIECE_SIZE || pieceSize > MAX_PIECE_SIZE) {
    throw new InvalidManifestError(`manifest piece size must be from ${MIN_PIECE_SIZE} to ${MAX_PIECE_SIZE} bytes, got ${pieceSize}`)
  }
  if (size < 1n || size > BigInt(MAX_PIECES * pieceSize)) {
    throw new InvalidManifestError(`manifest size must be from 1 to ${MAX_PIECES} pieces of ${pieceSize} bytes, got ${size}`)
  }
  const pieces = pieceCount(Number(size), pieceSize)
  const expected = MANIFEST_HEADER_BYTES + pieces * DIGEST_BYTES
  if (bytes.length !== expected) {
    throw new InvalidManifestError(`a manifest of ${pieces} pieces is ${expected} bytes, got ${bytes.length}`)
  }
  const digests = Array.from({ length: pieces }, (_, i) => bytes.slice(MANIFEST_HEADER_BYTES + i * DIGEST_BYTES, MANIFEST_HEADER_BYTES + (i + 1) * DIGEST_BYTES))
  return { size: Number(size), pieceSize, digests }
}

/** The name of the blob whose manifest is `manifestBytes`. */
export function nameOf (manifestBytes: Uint8Array): string {
  return CID.createV1(RAW_CODEC, createDigest(SHA256_CODE, sha256(manifestBytes))).toString()
}

/** Checks that `value` is a blob name and returns it in its one spelling (base32). */
export function parseBlobName (value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw new InvalidBlobNameError(`${field} must be a blob name (a CID, "bafkrei…"), got ${describe(value)}`)
  }
  let cid
  try {
    cid = CID.parse(value)
  } catch {
    throw new InvalidBlobNameError(`${field} must be a blob name (a CID, "bafkrei…"), got "${value}"`)
  }
  if (cid.version !== 1 || cid.code !== RAW_CODEC || cid.multihash.code !== SHA256_CODE || cid.multihash.digest.length !== DIGEST_BYTES) {
    throw new InvalidBlobNameError(`${field} must name a blob: a CIDv1 of raw bytes with a sha256 multihash, got "${value}"`)
  }
  return cid.toString()
}

/** Decodes `manifestBytes` and checks that they are the manifest `name` covers. */
export function checkManifest (name: string, manifestBytes: Uint8Array): Manifest {
  const manifest = decodeManifest(manifestBytes)
  if (nameOf(manifestBytes) !== name) throw new InvalidManifestError(`the manifest does not hash to ${name}`)
  return manifest
}

function describe (value: unknown): string {
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string of ${value.length} characters`
  return value === null ? 'null' : typeof value
}
