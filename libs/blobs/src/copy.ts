import { copyFile, mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { readBlobDir } from './blob-dir.js'

/**
 * Copies the blobs held whole in the store at `from` to a store folder at `to` (a backup), while
 * the store may be in use: a complete blob never changes, and one evicted meanwhile is left out.
 * Blobs held in part (a fetch under way) are left out too: they are fetched again when needed.
 */
export async function copyCompleteBlobs (from: string, to: string): Promise<{ blobs: number, bytes: number }> {
  await mkdir(to, { recursive: true })
  let blobs = 0
  let bytes = 0
  for (const item of await readdir(from).catch(() => [] as string[])) {
    let size: number
    try {
      const blob = await readBlobDir(from, item)
      if (blob.held !== blob.manifest.digests.length) continue
      size = blob.manifest.size
      await mkdir(join(to, item))
      for (const file of ['data', 'have', 'manifest']) await copyFile(join(from, item, file), join(to, item, file))
    } catch {
      await rm(join(to, item), { recursive: true, force: true }) // not a blob, or evicted while copied
      continue
    }
    blobs++
    bytes += size
  }
  return { blobs, bytes }
}
