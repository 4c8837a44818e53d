/**
 * Streams bytes into a file while hashing them piece by piece, so that an upload of any size is
 * never held in memory whole and its manifest is ready when the last byte is written.
 */
import { createHash, type Hash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { MAX_PIECES, PIECE_SIZE } from './constants.js'
import { BlobTooLargeError, EmptyBlobError } from './errors.js'
import type { Manifest } from './manifest.js'

export interface IngestOptions {
  /** More bytes than this and the upload is refused (`BlobTooLargeError`), the rest unread. */
  maxBytes: number
  /** @defaultValue PIECE_SIZE */
  pieceSize?: number
}

/** Writes `source` to a new file at `path` and returns the manifest of what was written. */
export async function ingest (source: AsyncIterable<Uint8Array>, path: string, { maxBytes, pieceSize = PIECE_SIZE }: IngestOptions): Promise<Manifest> {
  // A manifest lists at most MAX_PIECES pieces: a larger blob could not be named.
  maxBytes = Math.min(maxBytes, MAX_PIECES * pieceSize)
  const file = await open(path, 'wx')
  const digests: Uint8Array[] = []
  let size = 0
  let hash: Hash = createHash('sha256')
  let inPiece = 0
  try {
    for await (const chunk of source) {
      const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer)
      if (size + bytes.length > maxBytes) throw new BlobTooLargeError(`the blob is larger than ${maxBytes} bytes`)
      await file.write(bytes, 0, bytes.length, size)
      size += bytes.length
      // The chunk may end a piece, or several, part way through.
      for (let at = 0; at < bytes.length;) {
        const take = Math.min(pieceSize - inPiece, bytes.length - at)
        hash.update(bytes.subarray(at, at + take))
        at += take
        inPiece += take
        if (inPiece === pieceSize) {
          digests.push(new Uint8Array(hash.digest()))
          hash = createHash('sha256')
          inPiece = 0
        }
      }
    }
    if (size === 0) throw new EmptyBlobError('a blob holds at least one byte; the upload was empty')
    if (inPiece > 0) digests.push(new Uint8Array(hash.digest()))
    await file.datasync()
  } finally {
    await file.close()
  }
  return { size, pieceSize, digests }
}
