/** Gossipsub topic on which the coordinator announces pending work (`work` messages). */
export const TOPIC_WORK = 'cycleshare/1/work'

/** Gossipsub topic on which workers with free slots ask for chunks (`pull` messages). */
export const TOPIC_PULL = 'cycleshare/1/pull'

/** Stream protocol a worker opens to the coordinator: `report`, `renew`, `release`, `transfer`. */
export const PROTOCOL_COORDINATOR = '/cycleshare/coordinator/1.0.0'

/** Stream protocol the coordinator opens to a worker: `assign`, `cancel`. */
export const PROTOCOL_WORKER = '/cycleshare/worker/1.0.0'

/** Stream protocol a worker opens to another worker to hand it leases: `offer`. */
export const PROTOCOL_HANDOFF = '/cycleshare/handoff/1.0.0'

/** Stream protocol any peer opens to another for content: `locate`, `fetch` (blobs), `describe` (custom tasks). */
export const PROTOCOL_BLOB = '/cycleshare/blob/1.0.0'

export type StreamProtocol = typeof PROTOCOL_COORDINATOR | typeof PROTOCOL_WORKER | typeof PROTOCOL_HANDOFF | typeof PROTOCOL_BLOB

/** The largest blob piece on the wire: a manifest's largest piece size (4 MiB). */
export const MAX_PIECE_BYTES = 4 * 1024 * 1024

/** The largest manifest on the wire: its header and 65,536 digests. */
export const MAX_MANIFEST_BYTES = 16 + 65_536 * 32

/** The largest bitfield of pieces held: one bit for each of 65,536 pieces. */
export const MAX_BITFIELD_BYTES = 8192

/** The largest custom task manifest (JSON text) on the wire. */
export const MAX_TASK_MANIFEST_BYTES = 65_536

/** The longest custom task name, `name@version`. */
export const MAX_TASK_NAME_LENGTH = 64

/** Peers a `located` names at most, and pieces a `fetch` offers the server to choose from. */
export const MAX_BLOB_PEERS = 32
export const MAX_FETCH_CANDIDATES = 64

/**
 * Upper bounds checked on every message from the network before anything else reads it. Both
 * ends must agree on them: a message over a peer's limits is rejected by that peer, so `encode`
 * checks `maxMessageBytes` too.
 */
export interface DecodeLimits {
  /**
   * Largest encoded message (one gossip message or one stream frame body), in bytes.
   * @defaultValue 16 MiB
   */
  maxMessageBytes: number
  /**
   * Most map entries (a key and its value) and array items in one message, counted over every
   * level. The largest message of the protocol, an `assign` of `maxBatch` mandelbrot leases,
   * holds 190,003; a message over the limit is refused on its headers, before it is unpacked.
   * @defaultValue 262_144
   */
  maxEntries: number
  /**
   * Deepest nesting of maps and arrays in one message; the envelope is depth 1. The protocol's
   * own messages go 4 deep (envelope, `leases`, a lease, its `input`).
   * @defaultValue 16
   */
  maxDepth: number
  /**
   * Most items in one batch: leases, results, lease ids, rejections per message.
   * @defaultValue 10_000
   */
  maxBatch: number
  /**
   * Longest lease id or job id, in characters (UTF-16 code units).
   * @defaultValue 128
   */
  maxIdLength: number
  /**
   * Longest task name, in characters.
   * @defaultValue 64
   */
  maxTaskNameLength: number
  /**
   * Most task names in one `work` or `pull`.
   * @defaultValue 64
   */
  maxTasks: number
  /**
   * Longest error name (`WireError.name`), in characters.
   * @defaultValue 128
   */
  maxErrorNameLength: number
  /**
   * Longest error message or rejection reason, in characters.
   * @defaultValue 4096
   */
  maxErrorMessageLength: number
  /**
   * Most slots one `pull` may ask for.
   * @defaultValue 1024
   */
  maxSlots: number
  /**
   * Most threads a worker may declare in `pull.capacity.threads`.
   * @defaultValue 1024
   */
  maxThreads: number
  /**
   * Longest lease lifetime (`ttlMs` of a lease or a renewal), in milliseconds.
   * @defaultValue 3_600_000 (one hour)
   */
  maxTtlMs: number
  /**
   * Longest run time a lease may allow (`timeoutMs` of a lease), in milliseconds.
   * @defaultValue 86_400_000 (one day)
   */
  maxChunkTimeoutMs: number
}

/**
 * Largest checkpoint state (`LeaseCheckpoint.state`, `Lease.resume`) once encoded, in bytes: a
 * checkpoint is a position and a few counters, never data. The coordinator refuses a larger one.
 */
export const MAX_CHECKPOINT_BYTES = 4096

/** The most CPU time one result may claim (`cpuMs`): a day, the longest a chunk may run. */
export const MAX_RESULT_CPU_MS = 86_400_000

export const defaultDecodeLimits: Readonly<DecodeLimits> = Object.freeze({
  maxMessageBytes: 16 * 1024 * 1024,
  maxEntries: 262_144,
  maxDepth: 16,
  maxBatch: 10_000,
  maxIdLength: 128,
  maxTaskNameLength: 64,
  maxTasks: 64,
  maxErrorNameLength: 128,
  maxErrorMessageLength: 4096,
  maxSlots: 1024,
  maxThreads: 1024,
  maxTtlMs: 3_600_000,
  maxChunkTimeoutMs: 86_400_000
})

/**
 * Merges `init` over {@link defaultDecodeLimits} and checks every value once, so the hot path can
 * take the result as is. Throws TypeError/RangeError naming the bad option.
 */
export function createDecodeLimits (init: Partial<DecodeLimits> = {}): Readonly<DecodeLimits> {
  const limits = { ...defaultDecodeLimits, ...init }
  for (const key of Object.keys(defaultDecodeLimits) as Array<keyof DecodeLimits>) {
    const value = limits[key]
    if (typeof value !== 'number') {
      throw new TypeError(`limits.${key} must be a number`)
    }
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`limits.${key} must be a positive integer`)
    }
  }
  return Object.freeze(limits)
}
