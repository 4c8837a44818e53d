/**
 * How many chunks the worker holds and when it asks for more, from a running estimate of how long
 * a chunk takes, kept per job: the chunks of one job are alike, those of two jobs need not be (a
 * worker that just ran a job of tiny chunks must not take a whole job of long ones on that pace).
 * Pure arithmetic: the runtime feeds it finished runs and asks it questions.
 */
import { CHECKPOINTED_CHUNK_MS, CHUNK_MS_GUESS, CHUNK_MS_WEIGHT, MAX_HELD, PACED_JOBS, QUEUE_TARGET_MS } from './constants.js'

export interface PacingInit {
  /** Threads in the pool. */
  threads: number
  /** The least number of chunks held beyond the running ones. */
  prefetch: number
}

export interface Pacing {
  /**
   * Mean run time of `job`'s recent chunks (exponentially weighted, the first measured replacing
   * the guess), in milliseconds; CHUNK_MS_GUESS before any has run.
   */
  chunkMs(job: string): number
  /**
   * The most chunks to hold while holding chunks of `jobs`: the threads plus a prefetch queue of at
   * least `prefetch`, and for fast chunks enough to keep every thread busy for QUEUE_TARGET_MS at
   * the pace of the slowest of those jobs, so that one pull and one report carry many chunks;
   * never more than MAX_HELD. Holding nothing, or a chunk of a job not yet run here, it is the
   * least (threads plus prefetch): the pace is unknown until a chunk has run.
   */
  capacity(jobs: Iterable<string>): number
  /** Whether `job`'s chunks are worth checkpointing: long ones (CHECKPOINTED_CHUNK_MS), and any before the job's pace is known. */
  checkpointed(job: string): boolean
  /** A run of `chunks` chunks of `job` kept its thread `occupiedMs` (its rest under a CPU cap included). */
  record(job: string, occupiedMs: number, chunks: number): void
  /**
   * The slots to offer in a pull while holding `held` chunks of a `capacity` (an empty worker pulls
   * at once, a busy one once half the capacity is free, so that each pull and assign carries
   * several chunks), or 0 for no pull yet. A pull is gossip: each of the `listeners` accumulation
   * points that hears it may answer with that many, so the free slots are split between them, and
   * together they never offer more than the capacity.
   */
  slotsToPull(held: number, capacity: number, listeners?: number): number
}

export function createPacing (init: PacingInit): Pacing {
  return new Estimates(init.threads, init.prefetch)
}

class Estimates implements Pacing {
  /** Per job, least recently run first; at most PACED_JOBS. */
  private readonly byJob = new Map<string, number>()

  constructor (private readonly threads: number, private readonly prefetch: number) {}

  chunkMs (job: string): number {
    return this.byJob.get(job) ?? CHUNK_MS_GUESS
  }

  capacity (jobs: Iterable<string>): number {
    let slowest = -1
    for (const job of jobs) {
      const known = this.byJob.get(job)
      // A job whose pace is unknown may have chunks of minutes: hold no more than the least.
      if (known === undefined) return this.threads + this.prefetch
      slowest = Math.max(slowest, known)
    }
    if (slowest < 0) return this.threads + this.prefetch
    const forPace = Math.ceil((this.threads * QUEUE_TARGET_MS) / Math.max(slowest, 0.001))
    return Math.min(MAX_HELD, this.threads + Math.max(this.prefetch, forPace))
  }

  checkpointed (job: string): boolean {
    const known = this.byJob.get(job)
    return known === undefined || known >= CHECKPOINTED_CHUNK_MS
  }

  record (job: string, occupiedMs: number, chunks: number): void {
    const measured = occupiedMs / chunks
    const known = this.byJob.get(job)
    this.byJob.delete(job)
    this.byJob.set(job, known === undefined ? measured : known + CHUNK_MS_WEIGHT * (measured - known))
    for (const oldest of this.byJob.keys()) {
      if (this.byJob.size <= PACED_JOBS) break
      this.byJob.delete(oldest)
    }
  }

  slotsToPull (held: number, capacity: number, listeners = 1): number {
    const slots = capacity - held
    if (slots <= 0 || (held > 0 && slots < Math.ceil(capacity / 2))) return 0
    return Math.max(1, Math.floor(slots / Math.max(1, listeners)))
  }
}
