/**
 * The dashboard's live state: read once from the API when the page opens, then kept current by
 * the event stream alone (jobs, workers and chunk events; nothing is polled). Components read it
 * and re-render when it says it changed.
 */
import { CycleshareClient, Throughput, type ApiEvent, type ChunkEvent, type FailureView, type JobView, type WorkerView } from '@cycleshare/client'
import { isFinished } from '@cycleshare/api'

/** A chunk copy as the task stream draws it: from its lease to what ended it. */
export interface Span {
  worker: string
  jobId: string
  index: number
  attempt: number
  start: number
  end?: number
  outcome?: ChunkEvent['kind'] | 'ended'
}

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'refused'

/** How long the task stream shows a finished span. */
export const STREAM_WINDOW_MS = 60_000
const MAX_SPANS = 5_000
const MAX_FAILURES = 500

export class Live {
  readonly jobs = new Map<string, JobView>()
  readonly workers = new Map<string, WorkerView>()
  readonly pace = new Map<string, Throughput>()
  readonly spans = new Map<string, Span>()
  failures: FailureView[] = []
  connection: Connection = 'connecting'
  problem = ''
  /** Server time minus this browser's, from the chunk events' clocks. */
  skewMs = 0
  readonly #listeners = new Set<() => void>()
  #client: CycleshareClient
  #stream?: { close(): void }

  constructor (readonly token: string | undefined) {
    this.#client = new CycleshareClient({ url: location.origin, token })
  }

  get client (): CycleshareClient {
    return this.#client
  }

  subscribe (listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Server time now, as best this page knows it. */
  now (): number {
    return Date.now() + this.skewMs
  }

  start (): void {
    this.#stream = this.#client.events({
      event: (e) => { this.#apply(e) },
      open: () => {
        this.connection = 'live'
        this.problem = ''
        void this.#reload()
      },
      lost: (reason) => {
        this.connection = 'reconnecting'
        this.problem = reason
        this.#changed()
      },
      failed: (err) => {
        this.connection = 'refused'
        this.problem = err.message
        this.#changed()
      }
    }, { chunks: true })
  }

  stop (): void {
    this.#stream?.close()
  }

  /** What the page shows, read afresh each time the stream (re)opens: nothing said while it was down is lost. */
  async #reload (): Promise<void> {
    try {
      const [jobs, workers, failures] = await Promise.all([this.#client.jobs({ limit: 100 }), this.#client.workers(), this.#client.failures(undefined, 100)])
      for (const job of jobs) this.#seeJob(job)
      for (const w of workers) this.workers.set(w.peerId, w)
      this.failures = failures
    } catch (err) {
      this.problem = (err as Error).message
    }
    this.#changed()
  }

  /** A job searched for by id, when it is not among the ones shown. */
  async find (id: string): Promise<JobView> {
    const job = await this.#client.job(id)
    this.#seeJob(job)
    this.#changed()
    return job
  }

  #apply (e: ApiEvent): void {
    if (e.event === 'job') this.#seeJob(e.data)
    else if (e.event === 'removed') this.#forgetJob(e.data.id)
    else if (e.event === 'worker') this.workers.set(e.data.peerId, e.data)
    else this.#seeChunks(e.data.events)
    this.#changed()
  }

  #seeJob (job: JobView): void {
    const known = this.jobs.get(job.id)
    // A read may answer after a newer event: progress only moves forward.
    if (known !== undefined && !isFinished(job.status) && job.progress.done < known.progress.done) return
    this.jobs.set(job.id, job)
    let pace = this.pace.get(job.id)
    if (pace === undefined) this.pace.set(job.id, pace = new Throughput())
    pace.add(Date.now(), job.progress.done)
    if (isFinished(job.status)) {
      const end = job.finishedAt === undefined ? this.now() : Date.parse(job.finishedAt)
      for (const span of this.spans.values()) {
        if (span.jobId === job.id && span.end === undefined) { span.end = end; span.outcome = 'ended' }
      }
    }
  }

  /** A job removed (DELETE, or the coordinator's retention): nothing of it stays on the page. */
  #forgetJob (id: string): void {
    this.jobs.delete(id)
    this.pace.delete(id)
    for (const [key, span] of this.spans) if (span.jobId === id) this.spans.delete(key)
    for (let i = this.failures.length - 1; i >= 0; i--) if (this.failures[i].jobId === id) this.failures.splice(i, 1)
  }

  #seeChunks (events: ChunkEvent[]): void {
    if (events.length > 0) this.skewMs = Math.max(...events.map(e => e.at)) - Date.now()
    for (const e of events) {
      const key = `${e.jobId}/${e.index}/${e.attempt}/${e.worker}`
      if (e.kind === 'leased') {
        this.spans.set(key, { worker: e.worker, jobId: e.jobId, index: e.index, attempt: e.attempt, start: e.at })
        continue
      }
      const span = this.spans.get(key)
      if (span !== undefined && span.end === undefined) { span.end = e.at; span.outcome = e.kind }
      if (e.kind === 'failed') {
        this.failures.unshift({ jobId: e.jobId, index: e.index, attempt: e.attempt, worker: e.worker, error: e.error ?? '', at: new Date(e.at).toISOString() })
        if (this.failures.length > MAX_FAILURES) this.failures.length = MAX_FAILURES
      }
    }
    this.#prune()
  }

  /** Spans that ended before the window go; past the cap, the oldest. */
  #prune (): void {
    const horizon = this.now() - STREAM_WINDOW_MS
    for (const [key, span] of this.spans) if (span.end !== undefined && span.end < horizon) this.spans.delete(key)
    if (this.spans.size > MAX_SPANS) {
      const over = this.spans.size - MAX_SPANS
      let i = 0
      for (const key of this.spans.keys()) { if (i++ >= over) break; this.spans.delete(key) }
    }
  }

  #changed (): void {
    for (const l of this.#listeners) l()
  }
}
