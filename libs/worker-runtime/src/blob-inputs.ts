/**
 * The bytes a chunk reads from blobs (its task's `reads`): the pieces that hold them are fetched
 * from peers first and from the accumulation point that leased the chunk last (`fetchBlob`),
 * each checked against the blob's manifest, then read from this worker's blob store, which
 * serves them on to others. The pieces of a chunk are fetched as soon as it is accepted, one
 * chunk's after another, so that a queued chunk's bytes are on disk by the time a thread is free;
 * they are read into memory only when it runs.
 */
import { fetchBlob, type BlobStore, type FetchPeer } from '@cycleshare/blobs'
import type { Lease } from '@cycleshare/protocol'
import { getTask, WASM_CAPABILITY, type AnyTask } from '@cycleshare/tasks'
import { isCustomTask, type CustomTasks } from './custom-tasks.js'
import type { Logger } from './logger.js'

export interface BlobInputs {
  /** Whether this worker can run `task`: one that reads blobs needs a blob store. */
  canRun(task: string): boolean
  /** Whether `lease`'s task (leased by `seed`) reads blobs, or may (a custom task not yet verified): such a chunk runs alone. */
  reads(lease: Lease, seed: string): boolean
  /** Starts fetching the pieces `lease` reads, behind those of the leases accepted before it (nothing for other tasks). */
  prefetch(lease: Lease, seed: string): void
  /** The bytes `lease` reads, in the order its task names them; `seed` is the accumulation point that leased it. */
  read(lease: Lease, seed: string): Promise<Uint8Array[]>
}

/** How long a prefetch is kept for its chunk's run: one that never runs (cancelled, handed off) is forgotten. */
const PREFETCH_KEPT_MS = 10 * 60_000

export function createBlobInputs ({ peer, store, custom, log }: { peer: FetchPeer, store?: BlobStore, custom: CustomTasks, log: Logger }): BlobInputs {
  const readsBlobs = (task: string, seed: string): boolean => {
    if (!isCustomTask(task)) return getTask(task).reads !== undefined
    const known = custom.known(task, seed)
    return known === undefined || known.reads !== undefined
  }
  const taskOf = async (task: string, seed: string): Promise<AnyTask> => isCustomTask(task) ? await custom.resolve(task, seed) : getTask(task)
  /** Each chunk's fetch, by accumulation point and lease id; `chain` runs them one after another. */
  const fetches = new Map<string, Promise<void>>()
  /** The pins a prefetched chunk holds on its blobs until it runs: another blob's fetch cannot evict them. */
  const pins = new Map<string, Array<() => void>>()
  const unpin = (key: string): void => { for (const u of pins.get(key) ?? []) u(); pins.delete(key) }
  let chain: Promise<unknown> = Promise.resolve()
  /** Fetches what `lease` reads that is not held yet (nothing, when it all is), pinning each blob for `key`. */
  const fetchAll = async (lease: Lease, seed: string, key: string): Promise<void> => {
    for (const { blob, start, end } of (await taskOf(lease.task, seed)).reads?.(lease.input) ?? []) {
      const fetched = await fetchBlob({ peer, store: store!, log: (level, message, fields) => { log[level](fields, message) } }, blob, { seeds: [seed], bytes: { start, end } })
      if (fetched.fromPeers + fetched.fromSeeds > 0) log.info({ blob, ...fetched }, 'blob pieces fetched')
      pins.set(key, [...(pins.get(key) ?? []), store!.pin(blob)])
    }
  }
  return {
    // A custom task's module is itself fetched as a blob.
    canRun: (task) => store !== undefined || (task !== WASM_CAPABILITY && !isCustomTask(task) && getTask(task).reads === undefined),
    reads: (lease, seed) => readsBlobs(lease.task, seed),
    prefetch (lease, seed) {
      if (store === undefined || !readsBlobs(lease.task, seed)) return
      const key = `${seed}/${lease.leaseId}`
      const fetching = chain.then(async () => { await fetchAll(lease, seed, key) })
      chain = fetching.catch(() => {})
      // A failure is the run's to report; until it runs, it is nobody's.
      fetching.catch(() => {})
      fetches.set(key, fetching)
      setTimeout(() => {
        if (fetches.get(key) !== fetching) return
        fetches.delete(key)
        unpin(key)
      }, PREFETCH_KEPT_MS).unref()
    },
    async read (lease, seed) {
      if (store === undefined) throw new Error(`task ${lease.task} reads blobs, and this worker keeps none`)
      const key = `${seed}/${lease.leaseId}`
      const prefetched = fetches.get(key)
      fetches.delete(key)
      try {
        await prefetched?.catch(() => {})
        // Whatever the prefetch did not get (it failed, or never ran: a chunk taken from a peer)
        // comes now; held pieces cost nothing. The blobs stay pinned until they are read.
        await fetchAll(lease, seed, key)
        const bytes: Uint8Array[] = []
        for (const { blob, start, end } of (await taskOf(lease.task, seed)).reads?.(lease.input) ?? []) bytes.push(await store.readRange(blob, start, end))
        return bytes
      } finally {
        unpin(key)
      }
    }
  }
}
