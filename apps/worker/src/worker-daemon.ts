import { createPeer, type Peer } from '@cycleshare/peer'
import {
  MessageKind, PROTOCOL_COORDINATOR, PROTOCOL_WORKER, TOPIC_PULL, TOPIC_WORK,
  decodeGossip, decodeRequest, decodeResponse, encode, isProtocolError, msg, toWireError,
  type ChunkResult, type Lease
} from '@cycleshare/protocol'
import { createTaskPool, taskNames, type TaskPool } from '@cycleshare/tasks'
import type { WorkerConfig } from './config.js'
import { createIdleMonitor, type IdleMonitor, type IdleState } from './idle-monitor.js'
import type { Logger } from './logger.js'
import { ResultOutbox } from './result-outbox.js'

/**
 * A pull unanswered this long is sent again, waiting twice as long each time up to the maximum:
 * a pull can be lost (sent before the gossip stream to the coordinator is open, say), and the
 * coordinator answers a heard one at once when it has work.
 */
const PULL_RETRY_MS = 250
const PULL_RETRY_MAX_MS = 5_000
/** Chunks held should cover about this much work per thread, so no thread waits on the network. */
const QUEUE_TARGET_MS = 200
/** The most chunks a worker holds (the protocol's limit on one pull). */
const MAX_HELD = 1024
/** What a chunk is assumed to take before any has run. */
const CHUNK_MS_GUESS = 50
/** How far one finished chunk moves the running mean. */
const CHUNK_MS_WEIGHT = 0.1
/** How long finished results may wait to travel together while more are coming. */
const REPORT_COALESCE_MS = 150
/** Chunks faster than this on average run in batches, one thread hop for many chunks. */
const BATCH_BELOW_MS = 1
/** A batch holds about this much work… */
const BATCH_TARGET_MS = 5
/** …and at most this many chunks. */
const BATCH_MAX = 256
/** How long shutdown waits for the coordinator to take back leases and results. */
const SHUTDOWN_GRACE_MS = 5_000

export interface WorkerDaemonComponents {
  log: Logger
  /** Defaults to the systeminformation monitor configured by `maxLoad` and `allowBattery`. */
  idle?: IdleMonitor
}

export interface WorkerDaemon {
  start(): Promise<void>
  /** Stops pulling, gives unfinished chunks back, delivers finished results, then closes. */
  stop(): Promise<void>
  readonly peerId: string
}

export function createWorkerDaemon (config: WorkerConfig, components: WorkerDaemonComponents): WorkerDaemon {
  return new Daemon(config, components)
}

interface Running {
  lease: Lease
  abort: AbortController
  /** Part of a batch: stopping it would stop the others, so a cancel only forgets its result. */
  batched: boolean
}

class Daemon implements WorkerDaemon {
  private readonly log: Logger
  private readonly peer: Peer
  private readonly pool: TaskPool
  private readonly idle: IdleMonitor
  private readonly outbox: ResultOutbox
  private readonly coordinatorId: string
  /** Mean run time of recent chunks (exponentially weighted), which sizes the prefetch queue. */
  private chunkMs = CHUNK_MS_GUESS
  private readonly tasks: string[]
  /** Accepted, waiting for a free thread: these can be given back without losing work. */
  private readonly queued = new Map<string, Lease>()
  private readonly running = new Map<string, Running>()
  private pullTimer?: NodeJS.Timeout
  private renewTimer?: NodeJS.Timeout
  private renewEveryMs = 10_000
  private pullRetryMs = PULL_RETRY_MS
  /** Threads pausing between chunks to keep under `--max-cpu`. */
  private resting = 0
  /** Pool runs in flight (a batch is one). */
  private busy = 0
  private stopping = false
  private chunksDone = 0
  private readonly unsubscribe: Array<() => void> = []

  constructor (private readonly config: WorkerConfig, components: WorkerDaemonComponents) {
    this.log = components.log
    this.coordinatorId = config.coordinator.slice(config.coordinator.lastIndexOf('/p2p/') + 5)
    this.tasks = taskNames()
    this.pool = createTaskPool({ threads: config.threads, maxMemoryMb: config.memoryMb })
    this.peer = createPeer({
      dataDir: config.dataDir,
      listen: config.listen,
      bootstrap: [config.coordinator],
      log: (level, message, err) => { this.log[level]({ err }, `peer: ${message}`) }
    })
    this.idle = components.idle ?? createIdleMonitor({ maxLoad: config.maxLoad, allowBattery: config.allowBattery })
    // While chunks are still running, results wait briefly to travel together; the last one of a
    // burst goes at once.
    this.outbox = new ResultOutbox(async (results) => await this.report(results), {
      coalesceMs: REPORT_COALESCE_MS,
      moreComing: () => this.held > 0
    })
  }

  get peerId (): string {
    return this.peer.peerId
  }

  private get held (): number {
    return this.queued.size + this.running.size
  }

  /**
   * Threads plus a prefetch queue: at least `--prefetch`, and for fast chunks enough to keep every
   * thread busy for QUEUE_TARGET_MS, so that one pull and one report carry many chunks.
   */
  private get capacity (): number {
    const { threads, prefetch } = this.config
    const forPace = Math.ceil((threads * QUEUE_TARGET_MS) / Math.max(this.chunkMs, 0.001))
    return Math.min(MAX_HELD, threads + Math.max(prefetch, forPace))
  }

  /** Pulls wait until half the capacity is free, so each pull and assign carries several chunks. */
  private get pullBatch (): number {
    return Math.max(1, Math.ceil(this.capacity / 2))
  }

  async start (): Promise<void> {
    await this.pool.start()
    await this.peer.start()
    await this.peer.handle(PROTOCOL_WORKER, async (data, from) => this.onRequest(data, from))
    this.peer.subscribe(TOPIC_WORK, (data, from) => { this.onWork(data, from) })
    this.unsubscribe.push(
      this.peer.on('subscription-change', () => { this.maybePull() }),
      this.peer.on('peer:connect', (id) => {
        if (id !== this.coordinatorId) return
        this.outbox.retryNow()
        this.maybePull()
      }),
      this.idle.onChange((s) => { this.onIdleChange(s) })
    )
    await this.idle.start()
    this.scheduleRenew()
    this.log.info({ peerId: this.peer.peerId, multiaddrs: this.peer.multiaddrs(), coordinator: this.config.coordinator, threads: this.config.threads, capacity: this.capacity, idle: this.idle.state.reason }, 'worker ready')
    this.maybePull()
  }

  async stop (): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.idle.stop()
    clearTimeout(this.pullTimer)
    clearTimeout(this.renewTimer)
    for (const u of this.unsubscribe) u()

    const unfinished = [...this.queued.keys(), ...this.running.keys()]
    this.queued.clear()
    for (const r of this.running.values()) r.abort.abort()
    this.running.clear()
    const grace = AbortSignal.timeout(SHUTDOWN_GRACE_MS)
    await Promise.all([
      unfinished.length > 0 ? this.release(unfinished, grace) : Promise.resolve(),
      this.outbox.drain(SHUTDOWN_GRACE_MS)
    ])
    this.outbox.stop()
    this.log.info({ released: unfinished.length, unreported: this.outbox.size, chunksDone: this.chunksDone }, 'worker stopped')
    await this.pool.stop()
    await this.peer.stop()
  }

  private onWork (data: Uint8Array, from: string): void {
    if (from !== this.coordinatorId) return
    try {
      if (decodeGossip(data).kind !== MessageKind.Work) return
    } catch (err) {
      this.log.warn({ from, err: (err as Error).message }, 'dropped a bad gossip message')
      return
    }
    // Work is pending and we still have free slots: our last pull may have been lost.
    this.pullAnswered()
    this.maybePull()
  }

  /** Publishes a pull for the free slots, if the machine is idle and the coordinator can hear it. */
  private maybePull (): void {
    if (this.stopping || this.pullTimer !== undefined || !this.idle.state.idle) return
    const slots = this.capacity - this.held
    // Pull in batches (half the capacity at a time) so that one pull and one assign carry
    // several chunks; an empty worker pulls at once.
    if (slots <= 0 || (this.held > 0 && slots < this.pullBatch)) return
    if (!this.peer.topicPeers(TOPIC_PULL).includes(this.coordinatorId)) return // subscription-change brings us back
    this.pullTimer = setTimeout(() => {
      this.pullTimer = undefined
      this.pullRetryMs = Math.min(this.pullRetryMs * 2, PULL_RETRY_MAX_MS)
      this.maybePull()
    }, this.pullRetryMs)
    this.pullTimer.unref()
    const pull = msg.pull({ slots, tasks: this.tasks, capacity: { threads: this.config.threads } })
    this.peer.publish(TOPIC_PULL, encode(pull)).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'could not publish a pull')
    })
  }

  private onRequest (data: Uint8Array, from: string): Uint8Array {
    if (from !== this.coordinatorId) {
      return encode(msg.error(new Error(`peer ${from} is not this worker's coordinator`)))
    }
    try {
      const request = decodeRequest(data, PROTOCOL_WORKER)
      if (request.kind === MessageKind.Assign) return encode(this.onAssign(request.leases))
      return encode(msg.cancelled(this.drop(request.leaseIds, 'cancelled')))
    } catch (err) {
      this.log.warn({ from, err: (err as Error).message }, 'refused a bad request')
      return encode(msg.error(err))
    }
  }

  private onAssign (leases: Lease[]): ReturnType<typeof msg.assigned> {
    const accepted: string[] = []
    const refused: string[] = []
    const canRun = new Set(this.tasks)
    for (const lease of leases) {
      if (this.queued.has(lease.leaseId) || this.running.has(lease.leaseId)) {
        accepted.push(lease.leaseId) // an assign sent again: we hold it already
        continue
      }
      const take = !this.stopping && this.idle.state.idle && this.held < this.capacity && canRun.has(lease.task)
      if (take) {
        this.queued.set(lease.leaseId, lease)
        accepted.push(lease.leaseId)
        this.renewEveryMs = Math.min(this.renewEveryMs, Math.max(100, Math.floor(lease.ttlMs / 3)))
      } else {
        refused.push(lease.leaseId)
      }
    }
    this.pullAnswered()
    this.log.debug({ accepted: accepted.length, refused: refused.length }, 'assigned')
    setImmediate(() => {
      this.pump()
      this.maybePull()
    })
    return msg.assigned(accepted, refused)
  }

  private pullAnswered (): void {
    clearTimeout(this.pullTimer)
    this.pullTimer = undefined
    this.pullRetryMs = PULL_RETRY_MS
  }

  /** Starts queued chunks while threads are free. */
  private pump (): void {
    while (!this.stopping && this.busy + this.resting < this.config.threads && this.queued.size > 0) {
      const batch = this.takeBatch()
      if (batch.length === 1) this.run(batch[0])
      else this.runBatch(batch)
    }
  }

  /**
   * The next queued chunk, with more of the same task when chunks are tiny (a thread hop costs
   * more than they do). Chunks with a time limit always run alone, so it can stop just them.
   */
  private takeBatch (): Lease[] {
    const [first] = this.queued.values()
    this.queued.delete(first.leaseId)
    const batch = [first]
    if (this.chunkMs >= BATCH_BELOW_MS || first.timeoutMs != null) return batch
    // Leave some for the other threads: a batch takes its share of what is queued, no more.
    const share = Math.ceil((this.queued.size + 1) / this.config.threads)
    const limit = Math.min(BATCH_MAX, share, Math.max(1, Math.floor(BATCH_TARGET_MS / Math.max(this.chunkMs, 0.001))))
    for (const lease of this.queued.values()) {
      if (batch.length >= limit) break
      if (lease.task !== first.task || lease.timeoutMs != null) continue
      this.queued.delete(lease.leaseId)
      batch.push(lease)
    }
    return batch
  }

  private runBatch (leases: Lease[]): void {
    const started = performance.now()
    const abort = new AbortController()
    for (const lease of leases) this.running.set(lease.leaseId, { lease, abort, batched: true })
    this.busy++
    this.pool.runBatch(leases[0].task, leases.map(l => l.input), abort.signal).then(
      (outcomes) => {
        this.settle(leases, abort, started, outcomes.map((o, i) => o.ok
          ? { leaseId: leases[i].leaseId, ok: true, output: o.output }
          : { leaseId: leases[i].leaseId, ok: false, error: toWireError(o.error) }))
      },
      (err: unknown) => {
        if (abort.signal.aborted) return this.settle(leases, abort, started)
        this.log.warn({ chunks: leases.length, task: leases[0].task, err: (err as Error).message }, 'batch failed')
        this.settle(leases, abort, started, leases.map(l => ({ leaseId: l.leaseId, ok: false, error: toWireError(err) })))
      }
    )
  }

  private run (lease: Lease): void {
    const started = performance.now()
    const abort = new AbortController()
    this.running.set(lease.leaseId, { lease, abort, batched: false })
    this.busy++
    // The job's time limit: past it the thread is stopped and the chunk reported failed.
    let timedOut = false
    const timer = lease.timeoutMs == null
      ? undefined
      : setTimeout(() => { timedOut = true; abort.abort() }, lease.timeoutMs)
    this.pool.run(lease.task, lease.input, abort.signal).then(
      (output) => { this.settle([lease], abort, started, [{ leaseId: lease.leaseId, ok: true, output }]) },
      (err: unknown) => {
        if (timedOut) {
          this.log.warn({ leaseId: lease.leaseId, task: lease.task, timeoutMs: lease.timeoutMs }, 'chunk timed out')
          const error = { name: 'TaskTimeoutError', message: `chunk ${lease.index} of ${lease.task} ran longer than ${lease.timeoutMs} ms` }
          this.settle([lease], abort, started, [{ leaseId: lease.leaseId, ok: false, error }], false)
        } else if (abort.signal.aborted) {
          this.settle([lease], abort, started)
        } else {
          this.log.warn({ leaseId: lease.leaseId, task: lease.task, err: (err as Error).message }, 'chunk failed')
          this.settle([lease], abort, started, [{ leaseId: lease.leaseId, ok: false, error: toWireError(err) }])
        }
      }
    ).finally(() => { clearTimeout(timer) })
  }

  /**
   * Ends one pool run: frees its thread, then queues the results of the leases still held (one
   * cancelled, lost or given back meanwhile is gone, and nobody wants its result). The thread is
   * freed first so the outbox sees how much more is coming. `paced` runs move the estimate of how
   * long a chunk takes; a run stopped by its time limit says nothing about that.
   */
  private settle (leases: Lease[], abort: AbortController, started: number, results?: ChunkResult[], paced = true): void {
    this.busy--
    const ranMs = performance.now() - started
    leases.forEach((lease, i) => {
      if (this.running.get(lease.leaseId)?.abort !== abort) return
      this.running.delete(lease.leaseId)
      if (results === undefined) return
      this.chunksDone++
      this.outbox.add(results[i])
    })
    if (results !== undefined && paced) this.chunkMs += CHUNK_MS_WEIGHT * (ranMs / leases.length - this.chunkMs)
    this.rest(ranMs)
    this.maybePull()
  }

  /**
   * With `--max-cpu` below 100, a thread rests after each chunk in proportion to how long the chunk
   * ran, so that over time it is busy at most that share of the time.
   */
  private rest (ranMs: number): void {
    if (this.config.maxCpu >= 100 || this.stopping) {
      this.pump()
      return
    }
    this.resting++
    const timer = setTimeout(() => {
      this.resting--
      this.pump()
    }, ranMs * (100 / this.config.maxCpu - 1))
    timer.unref()
  }


  /**
   * Sends a batch; resolves with the lease ids the coordinator answered for. A batch the
   * coordinator refuses as a whole (a result too big or malformed) is split, so that one bad
   * result cannot hold back the others; a result refused on its own is dropped, as resending it
   * unchanged would be refused again.
   */
  private async report (results: ChunkResult[]): Promise<string[]> {
    let answer
    try {
      const frame = encode(msg.report(results))
      answer = decodeResponse(await this.peer.request(this.coordinatorId, PROTOCOL_COORDINATOR, frame), MessageKind.Reported)
    } catch (err) {
      if (!isProtocolError(err)) throw err // unreachable, restarting, or failing for now: retry later
      if (results.length === 1) {
        this.log.error({ leaseId: results[0].leaseId, err: (err as Error).message }, 'result refused by the coordinator; dropped')
        return [results[0].leaseId]
      }
      const answered: string[] = []
      for (const r of results) answered.push(...await this.report([r]))
      return answered
    }
    for (const r of answer.rejected) this.log.warn({ leaseId: r.leaseId, reason: r.reason }, 'result rejected')
    return [...answer.accepted, ...answer.rejected.map(r => r.leaseId)]
  }

  /** Stops the named leases wherever they are; returns those it held. */
  private drop (leaseIds: string[], why: 'cancelled' | 'lost'): string[] {
    const dropped: string[] = []
    for (const id of leaseIds) {
      if (this.queued.delete(id)) dropped.push(id)
      const r = this.running.get(id)
      if (r !== undefined) {
        if (!r.batched) r.abort.abort()
        this.running.delete(id)
        dropped.push(id)
      }
    }
    if (dropped.length > 0) {
      this.log.info({ leases: dropped.length }, `leases ${why}`)
      setImmediate(() => { this.pump(); this.maybePull() })
    }
    return dropped
  }

  private onIdleChange (state: IdleState): void {
    this.log.info({ idle: state.idle, reason: state.reason }, state.idle ? 'machine idle: pulling work' : 'machine busy: stepping back')
    if (state.idle) {
      this.pullAnswered()
      this.maybePull()
      return
    }
    // The owner wants the machine: give back what has not started; running chunks finish at low priority.
    const waiting = [...this.queued.keys()]
    this.queued.clear()
    if (waiting.length > 0) void this.release(waiting, AbortSignal.timeout(SHUTDOWN_GRACE_MS))
  }

  private async release (leaseIds: string[], signal: AbortSignal): Promise<void> {
    try {
      decodeResponse(await this.peer.request(this.coordinatorId, PROTOCOL_COORDINATOR, encode(msg.release(leaseIds)), { signal }), MessageKind.Released)
    } catch (err) {
      // The leases expire on their own and are reissued; nothing is lost, only delayed.
      this.log.warn({ leases: leaseIds.length, err: (err as Error).message }, 'could not release leases')
    }
  }

  private scheduleRenew (): void {
    if (this.stopping) return
    this.renewTimer = setTimeout(() => {
      void this.renew().finally(() => { this.scheduleRenew() })
    }, this.renewEveryMs)
    this.renewTimer.unref()
  }

  private async renew (): Promise<void> {
    const ids = [...this.queued.keys(), ...this.running.keys()]
    if (ids.length === 0) return
    try {
      const answer = decodeResponse(await this.peer.request(this.coordinatorId, PROTOCOL_COORDINATOR, encode(msg.renew(ids))), MessageKind.Renewed)
      if (answer.lost.length > 0) {
        this.drop(answer.lost, 'lost')
      }
      this.renewEveryMs = Math.max(100, Math.floor(answer.ttlMs / 3))
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not renew leases')
    }
  }
}
