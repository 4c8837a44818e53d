import type { IncomingMessage } from 'node:http'
import { Inject, Module, type OnModuleDestroy } from '@nestjs/common'
import { WebSocketGateway, WebSocketServer, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets'
import { MAX_CHUNK_EVENTS_PER_FRAME, parseJobId, type ChunkEvent, type JobView, type WorkerView } from '@cycleshare/api'
import type { Scheduler } from '@cycleshare/scheduler'
import { WebSocket, type WebSocketServer as Server } from 'ws'
import { bearerToken, type ApiTokens } from '../auth/api-tokens.js'
import { API_TOKENS } from '../auth/auth.guard.js'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'
import { WorkersService } from '../workers/workers.service.js'

/**
 * Progress of one job is sent at most this often, and so is each worker's view (it changes on
 * every pull and every lease it takes or gives back); a job's status changes go out at once.
 */
const PROGRESS_INTERVAL_MS = 100

/**
 * `ws://host:port/api/events`: a stream of `{ "event": "job", "data": JobView }` and
 * `{ "event": "worker", "data": WorkerView }` frames, JSON, to every connected client, and
 * `{ "event": "chunks", "data": { events, dropped } }` to those that connect with `?chunks=1`
 * (`ApiEvent` in @cycleshare/api): the scheduler collects chunk events only while one of those is
 * connected. A client that connects with `?job=<id>` hears only that job, the workers holding its
 * chunks, and its chunk events. With
 * `--private-reads` a client needs an API token, as `Authorization: Bearer …` or `?token=…`
 * (browsers cannot set headers on a WebSocket); without one it is closed with code 4401.
 */
// Clients only listen: a frame from one is never more than a few bytes, so ws need not buffer 100 MiB of it.
@WebSocketGateway({ path: '/api/events', maxPayload: 4096 })
export class EventsGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  @WebSocketServer() server!: Server
  private readonly unsubscribe: Array<() => void> = []
  private readonly lastSent = new Map<string, { status: string; at: number }>()
  private readonly pendingProgress = new Map<string, JobView>()
  private flushTimer?: NodeJS.Timeout
  /** Workers whose view changed since it was last sent, by peer id: the view is built when sent. */
  private readonly pendingWorkers = new Map<string, () => WorkerView>()
  private workersTimer?: NodeJS.Timeout
  /** Chunk events of the current window, and how many were dropped from it for being over the cap. */
  private chunkWindow: ChunkEvent[] = []
  private chunksDropped = 0
  private chunksTimer?: NodeJS.Timeout
  private stopFollowingChunks?: () => void
  /** Clients that asked for chunk events. */
  private readonly chunkClients = new Set<WebSocket>()
  /** Clients that follow one job (`?job=<id>`): its frames, and those of the workers holding its chunks. */
  private readonly following = new Map<WebSocket, string>()

  constructor (
    @Inject(SCHEDULER) private readonly scheduler: Scheduler,
    private readonly workers: WorkersService,
    @Inject(CONFIG) private readonly config: CoordinatorConfig,
    @Inject(API_TOKENS) private readonly tokens: ApiTokens
  ) {}

  handleConnection (client: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams
    if (this.config.privateReads) {
      const token = bearerToken(req.headers.authorization) ?? query.get('token') ?? ''
      if (!this.tokens.valid(token)) {
        client.close(4401, 'this coordinator needs an API token to read: send Authorization: Bearer <token> or ?token=<token>')
        return
      }
    }
    const job = query.get('job')
    if (job !== null) {
      try {
        this.following.set(client, parseJobId(job, 'job'))
      } catch (err) {
        client.close(4400, (err as Error).message)
        return
      }
      client.once('close', () => { this.following.delete(client) })
    }
    // Chunk events cost the scheduler an object per lease and per result: only for clients that ask (?chunks=1).
    if (query.get('chunks') === '1') {
      this.chunkClients.add(client)
      this.stopFollowingChunks ??= this.scheduler.on('chunks', (events) => { this.onChunks(events) })
    }
  }

  afterInit (): void {
    this.unsubscribe.push(
      this.scheduler.on('job', (job) => { this.onJob(job) }),
      this.scheduler.on('removed', (id) => { this.broadcast('removed', { id }) }),
      this.workers.onChange((view, peerId) => { this.onWorker(view, peerId) })
    )
  }

  onModuleDestroy (): void {
    for (const u of this.unsubscribe) u()
    this.stopFollowingChunks?.()
    clearTimeout(this.flushTimer)
    clearTimeout(this.workersTimer)
    clearTimeout(this.chunksTimer)
  }

  private onChunks (events: ChunkEvent[]): void {
    for (const e of events) this.chunkWindow.push(e)
    if (this.chunkWindow.length > MAX_CHUNK_EVENTS_PER_FRAME) {
      const over = this.chunkWindow.length - MAX_CHUNK_EVENTS_PER_FRAME
      this.chunkWindow.splice(0, over)
      this.chunksDropped += over
    }
    this.chunksTimer ??= setTimeout(() => { this.flushChunks() }, PROGRESS_INTERVAL_MS)
  }

  /** Sends the window's chunk events; with nobody connected any more, stops collecting them. */
  private flushChunks (): void {
    this.chunksTimer = undefined
    const frame = { events: this.chunkWindow, dropped: this.chunksDropped }
    this.chunkWindow = []
    this.chunksDropped = 0
    for (const client of this.chunkClients) if (client.readyState !== WebSocket.OPEN) this.chunkClients.delete(client)
    if (this.chunkClients.size === 0) {
      this.stopFollowingChunks?.()
      this.stopFollowingChunks = undefined
      return
    }
    let all: string | undefined
    for (const client of this.chunkClients) {
      const job = this.following.get(client)
      if (job === undefined) client.send(all ??= JSON.stringify({ event: 'chunks', data: frame }))
      else {
        const events = frame.events.filter(e => e.jobId === job)
        if (events.length > 0) client.send(JSON.stringify({ event: 'chunks', data: { events, dropped: frame.dropped } }))
      }
    }
  }

  private onWorker (view: () => WorkerView, peerId: string): void {
    if (!this.hasClients()) return
    if (this.workersTimer === undefined) {
      this.broadcast('worker', view())
      this.workersTimer = setTimeout(() => { this.flushWorkers() }, PROGRESS_INTERVAL_MS)
      return
    }
    this.pendingWorkers.set(peerId, view)
  }

  /** Sends the latest view of each worker that changed meanwhile; one window per burst of changes. */
  private flushWorkers (): void {
    const views = [...this.pendingWorkers.values()]
    this.pendingWorkers.clear()
    this.workersTimer = views.length === 0 ? undefined : setTimeout(() => { this.flushWorkers() }, PROGRESS_INTERVAL_MS)
    for (const view of views) this.broadcast('worker', view())
  }

  /** Whether `client` hears about `frame`: all of it, or what concerns the one job it follows. */
  private hears (client: WebSocket, event: string, data: unknown): boolean {
    const job = this.following.get(client)
    if (job === undefined) return true
    if (event === 'job' || event === 'removed') return (data as { id: string }).id === job
    if (event === 'worker') return this.scheduler.holdsJob((data as WorkerView).peerId, job)
    return false
  }

  private onJob (job: JobView): void {
    const last = this.lastSent.get(job.id)
    const now = Date.now()
    if (last === undefined || last.status !== job.status || now - last.at >= PROGRESS_INTERVAL_MS) {
      this.pendingProgress.delete(job.id)
      this.send(job, now)
      return
    }
    this.pendingProgress.set(job.id, job)
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined
      const batch = [...this.pendingProgress.values()]
      this.pendingProgress.clear()
      for (const j of batch) this.send(j, Date.now())
    }, PROGRESS_INTERVAL_MS)
  }

  private send (job: JobView, now: number): void {
    if (job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') this.lastSent.delete(job.id)
    else this.lastSent.set(job.id, { status: job.status, at: now })
    this.broadcast('job', job)
  }

  private hasClients (): boolean {
    return this.server !== undefined && this.server.clients.size > 0
  }

  private broadcast (event: string, data: unknown): void {
    if (!this.hasClients()) return
    const frame = JSON.stringify({ event, data })
    for (const client of this.server.clients) {
      if (client.readyState === WebSocket.OPEN && this.hears(client, event, data)) client.send(frame)
    }
  }
}

@Module({ providers: [EventsGateway] })
export class EventsModule {}
