import type { ChunkResult } from '@cycleshare/protocol'

export interface ResultOutboxInit {
  /** Results per report message. @defaultValue 1000 */
  maxBatch?: number
  /** First wait before re-sending after a failed report; doubles up to maxRetryMs. @defaultValue 250 */
  retryMs?: number
  /** @defaultValue 5000 */
  maxRetryMs?: number
  /**
   * While `moreComing()` says more results are on their way, a report waits until this long after
   * the previous one started, so that results travel together. 0 sends at once.
   * @defaultValue 0
   */
  coalesceMs?: number
  /** Whether more results are expected soon. @defaultValue () => false */
  moreComing?: () => boolean
}

/** Sends one batch; resolves with the lease ids the accumulation point answered for (accepted or rejected). */
export type SendReport = (results: ChunkResult[]) => Promise<string[]>

/**
 * Finished results wait here until their accumulation point has answered for them. One report is
 * in flight at a time; whatever finishes meanwhile goes in the next, so batches grow with load by
 * themselves. A result is only forgotten once the accumulation point has accepted (made it
 * durable) or rejected it.
 */
export interface ResultOutbox {
  /** Results waiting for an answer. */
  readonly size: number
  add(result: ChunkResult): void
  /** Resolves once every queued result is answered for, or after `timeoutMs`; true if empty. */
  drain(timeoutMs: number): Promise<boolean>
  /**
   * Sends what waits without waiting out the coalescing window. Resolves once the report carrying
   * the results queued now has been answered or has failed (they stay queued then, for the next
   * retry), and at once when there is none or a retry is being waited out.
   */
  sendNow(): Promise<void>
  /** Sends now if waiting out a retry delay (the accumulation point is back, say). */
  retryNow(): void
  stop(): void
}

export function createResultOutbox (send: SendReport, init: ResultOutboxInit = {}): ResultOutbox {
  return new Outbox(send, init)
}

class Outbox implements ResultOutbox {
  private readonly queue = new Map<string, ChunkResult>()
  private inFlight?: Promise<void>
  private retryTimer?: NodeJS.Timeout
  private coalesceTimer?: NodeJS.Timeout
  private lastSentAt = -Infinity
  private retryMs: number
  private readonly options: Required<ResultOutboxInit>
  private readonly emptyWaiters = new Set<() => void>()
  /** Reports started so far, and ended (answered or failed). */
  private sendsStarted = 0
  private sendsEnded = 0
  /** Callers of sendNow, each waiting for the report numbered `after` to end (or the queue to empty). */
  private sendWaiters: Array<{ after: number, resolve: () => void }> = []

  constructor (private readonly send: SendReport, init: ResultOutboxInit = {}) {
    this.options = { maxBatch: 1000, retryMs: 250, maxRetryMs: 5000, coalesceMs: 0, moreComing: () => false, ...init }
    this.retryMs = this.options.retryMs
  }

  get size (): number {
    return this.queue.size
  }

  add (result: ChunkResult): void {
    this.queue.set(result.leaseId, result)
    this.flush()
  }

  async drain (timeoutMs: number): Promise<boolean> {
    if (this.queue.size === 0) return true
    this.flush(true)
    return await new Promise<boolean>((resolve) => {
      const done = (): void => { clearTimeout(timer); this.emptyWaiters.delete(done); resolve(this.queue.size === 0) }
      const timer = setTimeout(done, timeoutMs)
      this.emptyWaiters.add(done)
    })
  }

  async sendNow (): Promise<void> {
    if (this.queue.size === 0 || this.retryTimer !== undefined) return
    // The results queued now go in the report after the one in flight, if one is: the next to start.
    await new Promise<void>((resolve) => {
      this.sendWaiters.push({ after: this.sendsStarted + 1, resolve })
      this.flush(true)
    })
  }

  stop (): void {
    clearTimeout(this.retryTimer)
    clearTimeout(this.coalesceTimer)
    this.wakeSendWaiters(true)
  }

  private wakeSendWaiters (all: boolean): void {
    if (this.sendWaiters.length === 0) return
    const woken = all || this.queue.size === 0 || this.retryTimer !== undefined
      ? this.sendWaiters
      : this.sendWaiters.filter(w => w.after <= this.sendsEnded)
    if (woken.length === 0) return
    this.sendWaiters = this.sendWaiters.filter(w => !woken.includes(w))
    for (const w of woken) w.resolve()
  }

  private flush (force = false): void {
    if (this.inFlight !== undefined || this.retryTimer !== undefined || this.queue.size === 0) return
    const wait = this.lastSentAt + this.options.coalesceMs - performance.now()
    const urgent = force || this.sendWaiters.length > 0
    if (!urgent && wait > 0 && this.queue.size < this.options.maxBatch && this.options.moreComing()) {
      this.coalesceTimer ??= setTimeout(() => { this.coalesceTimer = undefined; this.flush(true) }, wait)
      return
    }
    clearTimeout(this.coalesceTimer)
    this.coalesceTimer = undefined
    this.lastSentAt = performance.now()
    this.sendsStarted++
    const batch = [...this.queue.values()].slice(0, this.options.maxBatch)
    this.inFlight = this.send(batch).then((answered) => {
      for (const id of answered) this.queue.delete(id)
      this.retryMs = this.options.retryMs
    }, () => {
      // The accumulation point is unreachable or restarting: keep everything and try again later.
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.flush() }, this.retryMs)
      this.retryTimer.unref()
      this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs)
    }).finally(() => {
      this.inFlight = undefined
      this.sendsEnded++
      this.wakeSendWaiters(false)
      if (this.queue.size === 0) for (const w of [...this.emptyWaiters]) w()
      else this.flush()
    })
  }

  retryNow (): void {
    if (this.retryTimer === undefined) return
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.flush()
  }
}
