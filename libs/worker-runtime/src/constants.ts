import { availableParallelism } from 'node:os'

/** Defaults for `WorkerRuntimeInit`, merged as `{ ...defaultWorkerRuntimeInit, ...init }`. */
export const defaultWorkerRuntimeInit = {
  /**
   * Peer ids of the accumulation points (coordinators, or group members that submitted a job) to
   * work for from the start; more can be added later.
   * @defaultValue `[]`
   */
  accumulationPoints: [] as readonly string[],
  /**
   * Task threads, when the runtime creates its own pool (a pool given as a component brings its own).
   * @defaultValue `os.availableParallelism()`
   */
  threads: (): number => availableParallelism(),
  /**
   * Chunks held beyond the running ones, so that a thread never waits on the network.
   * @defaultValue `2 × threads`
   */
  prefetch: (threads: number): number => 2 * threads,
  /**
   * Each thread is busy at most this share of the time (percent), resting between chunks.
   * @defaultValue 100
   */
  maxCpu: 100,
  /**
   * Old-generation heap cap of each task thread in MiB, when the runtime creates its own pool.
   * @defaultValue 512
   */
  maxMemoryMb: 512,
  /**
   * How long stopping (or leaving an accumulation point) waits for leases to be taken back and
   * results to be delivered, in milliseconds.
   * @defaultValue 5_000
   */
  shutdownGraceMs: 5_000,
  /**
   * How long a worker stepping back waits for a peer to answer its offer of leases, in
   * milliseconds; the leases of an offer unanswered by then are given back to their accumulation
   * point instead.
   * @defaultValue 1_000
   */
  handoffTimeoutMs: 1_000
} as const

/** Defaults for `LinkInit`. */
export const defaultLinkInit = {
  /**
   * A pull unanswered this long is sent again, waiting twice as long each time up to
   * `pullRetryMaxMs`: a pull can be lost (sent before the gossip stream to the accumulation point
   * is open, say), and an accumulation point answers a heard one at once when it has work.
   * @defaultValue 250
   */
  pullRetryMs: 250,
  /** @defaultValue 5_000 */
  pullRetryMaxMs: 5_000,
  /**
   * How long finished results may wait to travel in one report while more are coming (the last
   * of a burst goes at once, so an idle worker's first result is not delayed).
   * @defaultValue 1_000
   */
  reportCoalesceMs: 1_000
} as const

/**
 * Chunks held should cover about this much work per thread, so that no thread waits on the network
 * and each pull carries many chunks (every message wakes three event loops that share the cores
 * with the task threads). Longer lets a slow worker hold, at a job's end, chunks that a faster one
 * could run: measured in docs/PERFORMANCE.md (500 ms against 200 and 1,000).
 */
export const QUEUE_TARGET_MS = 500
/** The most chunks a worker holds over all accumulation points (the protocol's limit on one pull). */
export const MAX_HELD = 1024
/** What a chunk is assumed to take before any has run. */
export const CHUNK_MS_GUESS = 50
/** How far one finished run moves the running mean of chunk time (the first replaces the guess). */
export const CHUNK_MS_WEIGHT = 0.1
/**
 * A chunk is given a checkpoint port (a MessageChannel: ~2 ms per chunk here) only when its job's
 * chunks take at least this long, or before the job's pace is known. A shorter chunk handed to a
 * peer starts again, losing less than this.
 */
export const CHECKPOINTED_CHUNK_MS = 500
/** Jobs whose pace is remembered; the one run longest ago is forgotten first. */
export const PACED_JOBS = 64

/** Chunks faster than this on average run in batches, one thread hop for many chunks. */
export const BATCH_BELOW_MS = 1
/** A batch holds about this much work… */
export const BATCH_TARGET_MS = 5
/** …and at most this many chunks. */
export const BATCH_MAX = 256

/** How often leases are renewed before any lease has told its lifetime. */
export const RENEW_FIRST_MS = 10_000
/** Renewals never run more often than this, whatever lifetime a lease claims. */
export const RENEW_MIN_MS = 100

/** Queued chunks are offered to a hungry peer only when they hold at least this much work (sharing.ts). */
export const SHARE_MIN_MS = 250

/** A peer that pulled counts as hungry for this long after its last pull. */
export const HUNGRY_FRESH_MS = 3_000
/** The most hungry peers remembered; a stepping-back worker offers to only a few of them. */
export const HUNGRY_MAX = 256

/** Addresses a pull names at most (the protocol's limit): where other workers may dial us to hand us leases. */
export const MAX_PULL_ADDRS = 8
