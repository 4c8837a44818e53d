/** Test fixtures (kept out of the build): deterministic bytes and the manifest a blob of them has. */
import { PIECE_SIZE } from '../constants.js'
import { encodeManifest, sha256 } from '../manifest.js'

/** `size` bytes from a small linear congruential generator: the same for the same seed, different from piece to piece. */
export function bytesOf (size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size)
  let x = seed
  for (let i = 0; i < size; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24 }
  return bytes
}

/** The manifest bytes of a blob of `bytes`, cut in pieces of PIECE_SIZE. */
export function manifestBytesOf (bytes: Uint8Array): Uint8Array {
  const digests: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += PIECE_SIZE) digests.push(sha256(bytes.subarray(at, at + PIECE_SIZE)))
  return encodeManifest({ size: bytes.length, pieceSize: PIECE_SIZE, digests })
}
