/**
 * What this worker did for each job, for the line it logs when its part in a job is over. A
 * worker is not told when a job ends (other workers may still run its chunks, and a coordinator
 * announces work, not endings), so its part is over when it has held nothing of the job for a
 * while; should the job send it more later, that is a new part and a new line.
 */
import type { Logger } from './logger.js'

/** How long a job's part stays open after its last chunk here ended. */
export const JOB_PART_QUIET_MS = 5_000

export interface JobPart {
  accumulationPoint: string
  jobId: string
  task: string
  /** Chunks that ran to a result here (whether or not the accumulation point accepted it). */
  chunks: number
  /** Of those, chunks whose run failed. */
  failed: number
  /** CPU time the runs used, as the threads measured it (0 where they could not). */
  cpuMs: number
  /** Epoch ms of the first and the last chunk's end. */
  firstAt: number
  lastAt: number
}

export class JobParts {
  readonly #open = new Map<string, JobPart>()
  #opened?: () => void

  /** Parts open now. */
  get size (): number {
    return this.#open.size
  }

  /** `listener` hears each time a part opens while none was open. */
  whenOpened (listener: () => void): void {
    this.#opened = listener
  }

  /** A chunk of `jobId` (from `accumulationPoint`) ended here at `now`. */
  ran (accumulationPoint: string, jobId: string, task: string, result: { ok: boolean, cpuMs?: number }, now: number): void {
    const key = `${accumulationPoint}\n${jobId}`
    let part = this.#open.get(key)
    if (part === undefined) {
      part = { accumulationPoint, jobId, task, chunks: 0, failed: 0, cpuMs: 0, firstAt: now, lastAt: now }
      this.#open.set(key, part)
      if (this.#open.size === 1) this.#opened?.()
    }
    part.chunks++
    if (!result.ok) part.failed++
    part.cpuMs += result.cpuMs ?? 0
    part.lastAt = now
  }

  /**
   * Closes and returns the parts whose job this worker holds nothing of (`holds` says) and whose
   * last chunk ended at least `quietMs` before `now`.
   */
  settle (now: number, holds: (accumulationPoint: string, jobId: string) => boolean, quietMs = JOB_PART_QUIET_MS): JobPart[] {
    const closed: JobPart[] = []
    for (const [key, part] of this.#open) {
      if (now - part.lastAt < quietMs || holds(part.accumulationPoint, part.jobId)) continue
      this.#open.delete(key)
      closed.push(part)
    }
    return closed
  }
}

/**
 * Every second while a part is open, logs each part that `settle` closes: "finished with a job"
 * and what it ran here (a worker waiting for work is not woken for it). Returns the stop function.
 */
export function logJobParts (parts: JobParts, holds: (accumulationPoint: string, jobId: string) => boolean, log: Pick<Logger, 'info'>): () => void {
  let timer: NodeJS.Timeout | undefined
  const tick = (): void => {
    for (const part of parts.settle(Date.now(), holds)) {
      const { accumulationPoint, jobId, task, chunks, failed, cpuMs, firstAt, lastAt } = part
      log.info({ accumulationPoint, job: jobId, task, chunks, failed, cpuSeconds: Math.round(cpuMs) / 1000, seconds: (lastAt - firstAt) / 1000 }, 'finished with a job')
    }
    if (parts.size === 0) {
      clearInterval(timer)
      timer = undefined
    }
  }
  let stopped = false
  parts.whenOpened(() => { if (!stopped) timer ??= setInterval(tick, 1_000).unref() })
  return () => {
    stopped = true
    clearInterval(timer)
  }
}
