/**
 * Group commit for reports: the reports that arrive in one turn of the event loop, from any
 * workers, are recorded in one transaction with one durable commit (`Scheduler.completeAll`), and
 * each sender is answered once it is durable, as before. With many workers each reporting a few
 * results, commits (an fsync each) were the coordinator's largest cost (docs/SCALING.md). If the
 * shared transaction fails, each report is recorded again on its own, so that one report's failure
 * is that report's alone.
 */
import type { ChunkResult } from '@cycleshare/protocol'
import type { CompleteResult, Scheduler } from '@cycleshare/scheduler'

interface Waiting {
  worker: string
  results: ChunkResult[]
  resolve: (result: CompleteResult) => void
  reject: (err: unknown) => void
}

export class ReportBatcher {
  private waiting: Waiting[] = []

  constructor (private readonly scheduler: Pick<Scheduler, 'complete' | 'completeAll'>) {}

  /** Resolves with `complete`'s answer for this report once it is durable, or rejects with why it failed. */
  async complete (worker: string, results: ChunkResult[]): Promise<CompleteResult> {
    return await new Promise<CompleteResult>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => { this.flush() })
      this.waiting.push({ worker, results, resolve, reject })
    })
  }

  private flush (): void {
    const batch = this.waiting
    this.waiting = []
    if (batch.length > 1) {
      let answers: CompleteResult[] | undefined
      try {
        answers = this.scheduler.completeAll(batch)
      } catch {
        // Rolled back: nothing of the batch is recorded; each goes again alone, below.
      }
      if (answers !== undefined) {
        batch.forEach((w, i) => { w.resolve(answers[i]) })
        return
      }
    }
    for (const w of batch) {
      try {
        w.resolve(this.scheduler.complete(w.worker, w.results))
      } catch (err) {
        w.reject(err)
      }
    }
  }
}
