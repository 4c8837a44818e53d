/**
 * How many chunks the worker holds and when it asks for more, from a running estimate of how long
 * a chunk takes. Pure arithmetic: the runtime feeds it finished runs and asks it questions.
 */
import { CHUNK_MS_GUESS, CHUNK_MS_WEIGHT, MAX_HELD, QUEUE_TARGET_MS } from './constants.js'

export interface PacingInit {
  /** Threads in the pool. */
  threads: number
  /** The least number of chunks held beyond the running ones. */
  prefetch: number
}

export interface Pacing {
  /** Mean run time of recent chunks (exponentially weighted), in milliseconds. */
  readonly chunkMs: number
  /**
   * The most chunks to hold: the threads plus a prefetch queue of at least `prefetch`, and for
   * fast chunks enough to keep every thread busy for QUEUE_TARGET_MS, so that one pull and one
   * report carry many chunks; never more than MAX_HELD.
   */
  readonly capacity: number
  /** Pulls wait until this many slots are free, so that each pull and assign carries several chunks. */
  readonly pullBatch: number
  /** A run of `chunks` chunks took `ranMs`. */
  record(ranMs: number, chunks: number): void
  /**
   * The slots to offer in a pull while holding `held` chunks (an empty worker pulls at once), or 0
   * for no pull yet. A pull is gossip: each of the `listeners` accumulation points that hears it
   * may answer with that many, so the free slots are split between them, and together they never
   * offer more than the capacity.
   */
  slotsToPull(held: number, listeners?: number): number
}

export function createPacing (init: PacingInit): Pacing {
  return new Estimate(init.threads, init.prefetch)
}

class Estimate implements Pacing {
  chunkMs = CHUNK_MS_GUESS

  constructor (private readonly threads: number, private readonly prefetch: number) {}

  get capacity (): number {
    const forPace = Math.ceil((this.threads * QUEUE_TARGET_MS) / Math.max(this.chunkMs, 0.001))
    return Math.min(MAX_HELD, this.threads + Math.max(this.prefetch, forPace))
  }

  get pullBatch (): number {
    return Math.max(1, Math.ceil(this.capacity / 2))
  }

  record (ranMs: number, chunks: number): void {
    this.chunkMs += CHUNK_MS_WEIGHT * (ranMs / chunks - this.chunkMs)
  }

  slotsToPull (held: number, listeners = 1): number {
    const slots = this.capacity - held
    if (slots <= 0 || (held > 0 && slots < this.pullBatch)) return 0
    return Math.max(1, Math.floor(slots / Math.max(1, listeners)))
  }
}
