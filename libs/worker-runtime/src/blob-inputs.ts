/**
 * The bytes a chunk reads from blobs (its task's `reads`): the pieces that hold them are fetched
 * from peers first and from the accumulation point that leased the chunk last (`fetchBlob`),
 * each checked against the blob's manifest, then read from this worker's blob store, which
 * serves them on to others.
 */
import { fetchBlob, type BlobStore, type FetchPeer } from '@cycleshare/blobs'
import type { Lease } from '@cycleshare/protocol'
import { getTask } from '@cycleshare/tasks'
import type { Logger } from './logger.js'

export interface BlobInputs {
  /** Whether this worker can run `task`: one that reads blobs needs a blob store. */
  canRun(task: string): boolean
  /** Whether `lease`'s task reads blobs (such a chunk runs alone). */
  reads(lease: Lease): boolean
  /** The bytes `lease` reads, in the order its task names them; `seed` is the accumulation point that leased it. */
  read(lease: Lease, seed: string): Promise<Uint8Array[]>
}

export function createBlobInputs ({ peer, store, log }: { peer: FetchPeer, store?: BlobStore, log: Logger }): BlobInputs {
  const readsBlobs = (task: string): boolean => getTask(task).reads !== undefined
  return {
    canRun: (task) => store !== undefined || !readsBlobs(task),
    reads: (lease) => readsBlobs(lease.task),
    async read (lease, seed) {
      if (store === undefined) throw new Error(`task ${lease.task} reads blobs, and this worker keeps none`)
      const ranges = getTask(lease.task).reads?.(lease.input) ?? []
      const bytes: Uint8Array[] = []
      for (const { blob, start, end } of ranges) {
        const fetched = await fetchBlob({ peer, store, log: (level, message, fields) => { log[level](fields, message) } }, blob, { seeds: [seed], bytes: { start, end } })
        if (fetched.fromPeers + fetched.fromSeeds > 0) log.info({ blob, ...fetched }, 'blob pieces fetched')
        // Held until read: another blob's arrival cannot evict this one in between.
        const unpin = store.pin(blob)
        try {
          bytes.push(await store.readRange(blob, start, end))
        } finally {
          unpin()
        }
      }
      return bytes
    }
  }
}
