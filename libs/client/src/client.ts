import {
  isFinished, type BlobView, type ErrorBody, type FailureView, type HealthView, type JobPage, type JobRequest, type JobView, type SubmittedJob, type TaskView, type WorkerView
} from '@cycleshare/api'
import { ApiError, UnreachableError } from './errors.js'
import { openEventStream, type EventStream, type EventStreamHandlers, type SocketConstructor } from './event-stream.js'

export interface ClientOptions {
  /** Where the API is: `http://127.0.0.1:8080` (a coordinator) or `http://127.0.0.1:7070` (a group member). */
  url: string
  /** Sent as `Authorization: Bearer …` on every request, and as `?token=` to the event stream. */
  token?: string
  /** For the event stream: the browser's `WebSocket` by default; in Node 20, pass the `ws` package's. */
  WebSocket?: SocketConstructor
}

/** A job's result: JSON results as their value, binary ones (a PNG) as bytes with their media type. */
export type JobResultAnswer =
  | { type: 'application/json', value: unknown }
  | { type: string, bytes: Uint8Array }

export interface WatchHandlers {
  /** Each newer view of the job, the first read as soon as the stream is open. */
  update?(job: JobView): void
  /** The event stream went; it is retried. */
  lost?(reason: string, retryMs: number): void
}

/** A typed client of the HTTP API and the event stream (README, "HTTP API"). */
export class CycleshareClient {
  readonly url: string
  readonly #token?: string
  readonly #Socket?: SocketConstructor

  constructor (options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.#token = options.token
    this.#Socket = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket
  }

  async submit (request: JobRequest): Promise<SubmittedJob> {
    return await this.#json('POST', '/api/jobs', request)
  }

  async job (id: string): Promise<JobView> {
    return await this.#json('GET', `/api/jobs/${encodeURIComponent(id)}`)
  }

  /** Newest first. */
  async jobs (page: JobPage = {}): Promise<JobView[]> {
    const query = new URLSearchParams()
    if (page.limit !== undefined) query.set('limit', String(page.limit))
    if (page.before !== undefined) query.set('before', page.before)
    const q = query.toString()
    return await this.#json('GET', `/api/jobs${q === '' ? '' : `?${q}`}`)
  }

  /** Failed results, newest first: of one job, or of every job. */
  async failures (jobId?: string, limit?: number): Promise<FailureView[]> {
    const q = limit === undefined ? '' : `?limit=${limit}`
    return await this.#json('GET', jobId === undefined ? `/api/failures${q}` : `/api/jobs/${encodeURIComponent(jobId)}/failures${q}`)
  }

  /** Cancels a queued or running job; a finished one is answered as it is. */
  async cancel (id: string): Promise<JobView> {
    return await this.#json('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`)
  }

  /**
   * `DELETE`: removes a finished job with its chunks, result and failures (resolves undefined);
   * a queued or running job is cancelled instead, and its view is the answer.
   */
  async remove (id: string): Promise<JobView | undefined> {
    const res = await this.#request('DELETE', `/api/jobs/${encodeURIComponent(id)}`)
    return res.status === 204 ? undefined : await res.json() as JobView
  }

  /** 409 (`JobNotDoneError`) until the job is done. */
  async result (id: string): Promise<JobResultAnswer> {
    const res = await this.#request('GET', `/api/jobs/${encodeURIComponent(id)}/result`)
    const type = res.headers.get('content-type') ?? 'application/octet-stream'
    if (/^application\/json\b/.test(type)) return { type: 'application/json', value: ((await res.json()) as { result: unknown }).result }
    return { type: type.split(';')[0].trim(), bytes: new Uint8Array(await res.arrayBuffer()) }
  }

  /** The workers seen lately; with `all`, every worker on record too. */
  async workers (query: { all?: boolean } = {}): Promise<WorkerView[]> {
    return await this.#json('GET', query.all === true ? '/api/workers?all=true' : '/api/workers')
  }

  async tasks (): Promise<TaskView[]> {
    return await this.#json('GET', '/api/tasks')
  }

  /** Registers a WebAssembly task; `created` is false when the same code was registered before. */
  async registerTask (manifest: unknown, module: Uint8Array): Promise<{ task: TaskView, created: boolean }> {
    const form = new FormData()
    form.set('manifest', new Blob([JSON.stringify(manifest)], { type: 'application/json' }), 'manifest.json')
    form.set('module', new Blob([module], { type: 'application/wasm' }), 'module.wasm')
    const res = await this.#request('POST', '/api/tasks', form)
    return { task: await res.json() as TaskView, created: res.status === 201 }
  }

  async blobs (): Promise<BlobView[]> {
    return await this.#json('GET', '/api/blobs')
  }

  /** Streams `body` up; the answer names the blob by its content. */
  async uploadBlob (body: Uint8Array | ReadableStream<Uint8Array>, size?: number): Promise<BlobView> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
    if (size !== undefined) headers['content-length'] = String(size)
    const res = await this.#request('POST', '/api/blobs', body, headers)
    return await res.json() as BlobView
  }

  /** The blob's bytes as a stream. */
  async downloadBlob (name: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#request('GET', `/api/blobs/${encodeURIComponent(name)}`)
    if (res.body === null) throw new ApiError(res.status, 'EmptyAnswer', `the blob ${name} came with no body`)
    return res.body
  }

  async health (): Promise<HealthView> {
    return await this.#json('GET', '/api/health')
  }

  /**
   * Follows the event stream until closed, reconnecting when it drops. `chunks`: also what happens
   * to each chunk copy (a task stream's data; it costs the coordinator, so only when asked). `job`:
   * only that job's frames (and its workers' and chunks').
   */
  events (handlers: EventStreamHandlers, { chunks = false, job }: { chunks?: boolean, job?: string } = {}): EventStream {
    if (this.#Socket === undefined) throw new Error('no WebSocket: pass one as the WebSocket option (in Node 20, the ws package\'s)')
    const url = new URL(`${this.url}/api/events`)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    if (this.#token !== undefined) url.searchParams.set('token', this.#token)
    if (chunks) url.searchParams.set('chunks', '1')
    // One job only: its frames, and the workers holding its chunks.
    if (job !== undefined) url.searchParams.set('job', job)
    return openEventStream(url.toString(), this.#Socket, handlers)
  }

  /**
   * Resolves with the job once it is done, failed or cancelled. Listens to the event stream and
   * reads the job each time the stream opens, so nothing said while it was down is missed.
   */
  async watch (id: string, handlers: WatchHandlers = {}): Promise<JobView> {
    return await new Promise<JobView>((resolve, reject) => {
      let last: JobView | undefined
      let settled = false
      const settle = (fn: () => void): void => {
        if (settled) return
        settled = true
        stream.close()
        fn()
      }
      const seen = (job: JobView): void => {
        if (settled) return
        // A read may answer after a newer event: progress only moves forward.
        if (last !== undefined && !isFinished(job.status) && job.progress.done < last.progress.done) return
        last = job
        handlers.update?.(job)
        if (isFinished(job.status)) settle(() => { resolve(job) })
      }
      const stream = this.events({
        event: (e) => {
          if (e.event === 'job' && e.data.id === id) seen(e.data)
          // Removed before it ended (so it was cancelled first): the read says it is gone.
          else if (e.event === 'removed' && e.data.id === id) this.job(id).then(seen, (err: Error) => { settle(() => { reject(err) }) })
        },
        open: () => { this.job(id).then(seen, (err: Error) => { settle(() => { reject(err) }) }) },
        lost: (reason, retryMs) => { handlers.lost?.(reason, retryMs) },
        failed: (err) => { settle(() => { reject(err) }) }
      }, { job: id })
    })
  }

  async #json<T> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#request(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': 'application/json' })
    return await res.json() as T
  }

  async #request (method: string, path: string, body?: RequestInit["body"], headers: Record<string, string> = {}): Promise<Response> {
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    let res: Response
    try {
      // duplex: a stream body goes up while the answer may already come (Node's fetch needs it said).
      res = await fetch(this.url + path, { method, headers, body, duplex: 'half' } as RequestInit)
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      throw new UnreachableError(this.url, cause?.code ?? cause?.message ?? (err as Error).message)
    }
    if (res.ok) return res
    const text = await res.text()
    let error: Partial<ErrorBody> = {}
    try { error = JSON.parse(text) as ErrorBody } catch {}
    throw new ApiError(res.status, error.error ?? res.statusText, typeof error.message === 'string' ? error.message : `${method} ${path} answered ${res.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`)
  }
}
