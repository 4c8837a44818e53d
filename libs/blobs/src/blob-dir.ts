import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { checkManifest, parseBlobName, type Manifest } from './manifest.js'

/** Bytes of one record of a blob's `have` log: the index of a piece held, big-endian. */
export const PIECE_INDEX_BYTES = 4

/** What a blob's directory under a store holds; throws if `item` is not a blob this store finished writing. */
export async function readBlobDir (storeDir: string, item: string): Promise<{ name: string, manifestBytes: Uint8Array, manifest: Manifest, have: Uint8Array, held: number, mtimeMs: number }> {
  const dir = join(storeDir, item)
  const name = parseBlobName(item)
  const manifestBytes = new Uint8Array(await readFile(join(dir, 'manifest')))
  const manifest = checkManifest(name, manifestBytes)
  const have = new Uint8Array(manifest.digests.length)
  const log = await readFile(join(dir, 'have'))
  // A record cut short by a crash is ignored: its piece is fetched again.
  for (let at = 0; at + PIECE_INDEX_BYTES <= log.length; at += PIECE_INDEX_BYTES) {
    const index = log.readUInt32BE(at)
    if (index < have.length) have[index] = 1
  }
  const { mtimeMs } = await stat(join(dir, 'manifest'))
  return { name, manifestBytes, manifest, have, held: have.reduce((n, h) => n + h, 0), mtimeMs }
}
