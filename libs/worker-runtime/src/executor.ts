/**
 * Runs leases in the task pool: tiny chunks in batches (one thread hop for many), each chunk
 * within its job's time limit, with rests between runs under `maxCpu`, and abortable. A chunk run
 * alone goes on from its lease's resume state and hands on the checkpoints it takes.
 */
import { toWireError, type ChunkResult, type Lease } from '@cycleshare/protocol'
import type { TaskPool, WasmCode } from '@cycleshare/tasks'
import { BATCH_BELOW_MS, BATCH_MAX, BATCH_TARGET_MS } from './constants.js'
import { TaskTimeoutError } from './errors.js'
import type { Logger } from './logger.js'

export interface ExecutorInit {
  /** Runs at once: the pool's threads. */
  threads: number
  /** Each thread is busy at most this share of the time (percent). */
  maxCpu: number
}

export interface ExecutorComponents {
  pool: TaskPool
  log: Logger
  /** A thread is free again (its run ended and its rest is over): start more. */
  threadFree: () => void
}

/** One pool run: a lease alone, or a batch of one task's tiny chunks. */
export interface Run {
  /** Part of a batch: stopping it would stop the others, so a cancel only forgets its result. */
  readonly batched: boolean
  /** Stops the run; a batch stops as a whole. */
  abort(): void
}

export interface RunEnd {
  /** One result per lease, in order; absent when the run was aborted. */
  results?: ChunkResult[]
  /**
   * How long the run kept its thread from other chunks: its run time, and under `maxCpu` the rest
   * that follows it. A worker lent at 10 % gets through a tenth of the chunks a full one does, and
   * sizes its queue by that, not by how fast one chunk runs.
   */
  occupiedMs: number
  /** Whether the run says how long a chunk takes (one stopped by its time limit does not). */
  paced: boolean
}

export interface Executor {
  /** Runs that could start now: threads neither running nor resting. */
  readonly freeThreads: number
  /**
   * Starts one run of `leases` (one task); `ended` is called once, after its thread is freed. A
   * lease run alone hands each checkpoint its run takes to `checkpoint`, and gets the blob bytes
   * its task reads from `inputs` before it runs (a failure there fails the chunk); a batch takes neither.
   */
  run(leases: Lease[], ended: (end: RunEnd) => void, checkpoint?: (leaseId: string, state: unknown) => void, inputs?: () => Promise<Uint8Array[]>, code?: () => Promise<WasmCode>): Run
  /** Aborts every run and rests no more. */
  stop(): void
}

export function createExecutor (components: ExecutorComponents, init: ExecutorInit): Executor {
  return new PoolExecutor(components, init)
}

/**
 * The next leases to run together: the first queued, and when its job's chunks are tiny (a thread
 * hop costs more than they do) more of the same job, leaving the other threads their share of the
 * queue.
 * Chunks with a time limit always run alone, so that it can stop just them, and so do chunks with a
 * resume state, since only a run alone goes on from one, and those that read blobs (`alone`).
 */
export function pickBatch (queue: Iterable<Lease>, queued: number, chunkMsOf: (lease: Lease) => number, threads: number, alone: (lease: Lease) => boolean = () => false): Lease[] {
  const rest = queue[Symbol.iterator]()
  const first = rest.next().value as Lease
  const batch = [first]
  const chunkMs = chunkMsOf(first)
  if (chunkMs >= BATCH_BELOW_MS || runsAlone(first) || alone(first)) return batch
  const share = Math.ceil(queued / threads)
  const limit = Math.min(BATCH_MAX, share, Math.max(1, Math.floor(BATCH_TARGET_MS / Math.max(chunkMs, 0.001))))
  for (let next = rest.next(); !next.done && batch.length < limit; next = rest.next()) {
    const lease = next.value
    if (lease.jobId === first.jobId && lease.task === first.task && !runsAlone(lease)) batch.push(lease)
  }
  return batch
}

const runsAlone = (lease: Lease): boolean => lease.timeoutMs != null || lease.resume != null

class PoolExecutor implements Executor {
  private readonly pool: TaskPool
  private readonly log: Logger
  private readonly threadFree: () => void
  /** Pool runs in flight (a batch is one). */
  private busy = 0
  /** Threads pausing between chunks to keep under `maxCpu`. */
  private resting = 0
  private stopped = false
  private readonly active = new Set<AbortController>()

  constructor (components: ExecutorComponents, private readonly init: ExecutorInit) {
    this.pool = components.pool
    this.log = components.log
    this.threadFree = components.threadFree
  }

  get freeThreads (): number {
    return this.stopped ? 0 : this.init.threads - this.busy - this.resting
  }

  run (leases: Lease[], ended: (end: RunEnd) => void, checkpoint?: (leaseId: string, state: unknown) => void, inputs?: () => Promise<Uint8Array[]>, code?: () => Promise<WasmCode>): Run {
    const abort = new AbortController()
    this.active.add(abort)
    this.busy++
    const started = performance.now()
    // The time the pool thread measured: a new thread's start is no part of the job's pace.
    let threadMs: number | undefined
    let cpuMs: number | undefined
    const ran = (ms: number, cpu?: number): void => { threadMs = ms; cpuMs = cpu }
    const end = (results?: ChunkResult[], paced = true): void => {
      this.busy--
      this.active.delete(abort)
      const ranMs = threadMs ?? performance.now() - started
      // Each result claims its share of the CPU time its run used (its credit, once validated).
      if (results !== undefined && cpuMs !== undefined) {
        const each = Math.round(cpuMs / results.length)
        for (const r of results) r.cpuMs = each
      }
      ended({ results, occupiedMs: ranMs + this.restMs(ranMs), paced })
      this.rest(ranMs)
    }
    // A custom task runs its verified module (`code`); a built-in is run by name.
    if (leases.length === 1) this.runOne(leases[0], code, abort, end, ran, checkpoint, inputs)
    else this.runBatch(leases, code, abort, end, ran)
    return { batched: leases.length > 1, abort: () => { abort.abort() } }
  }

  stop (): void {
    this.stopped = true
    for (const abort of this.active) abort.abort()
  }

  private runBatch (leases: Lease[], code: (() => Promise<WasmCode>) | undefined, abort: AbortController, end: (results?: ChunkResult[]) => void, ran: (ms: number, cpuMs?: number) => void): void {
    const inputs = leases.map(l => l.input)
    const running = code === undefined
      ? this.pool.runBatch(leases[0].task, inputs, abort.signal, ran)
      : code().then(async (module) => await this.pool.runBatch(module, inputs, abort.signal, ran))
    running.then(
      (outcomes) => {
        end(outcomes.map((o, i) => o.ok
          ? { leaseId: leases[i].leaseId, ok: true, output: o.output }
          : { leaseId: leases[i].leaseId, ok: false, error: toWireError(o.error) }))
      },
      (err: unknown) => {
        if (abort.signal.aborted) return end()
        this.log.warn({ chunks: leases.length, task: leases[0].task, err: (err as Error).message }, 'batch failed')
        end(leases.map(l => ({ leaseId: l.leaseId, ok: false, error: toWireError(err) })))
      }
    )
  }

  private runOne (
    lease: Lease, code: (() => Promise<WasmCode>) | undefined, abort: AbortController, end: (results?: ChunkResult[], paced?: boolean) => void,
    ran: (ms: number, cpuMs?: number) => void, checkpoint?: (leaseId: string, state: unknown) => void, inputs?: () => Promise<Uint8Array[]>
  ): void {
    // The job's time limit: past it the thread is stopped and the chunk reported failed.
    let timedOut = false
    const timer = lease.timeoutMs == null
      ? undefined
      : setTimeout(() => { timedOut = true; abort.abort() }, lease.timeoutMs)
    const onCheckpoint = checkpoint === undefined ? undefined : (state: unknown) => { checkpoint(lease.leaseId, state) }
    const attempt = async (resume: unknown): Promise<unknown> => {
      try {
        const task = code === undefined ? lease.task : await code()
        const blobs = inputs === undefined ? undefined : await inputs()
        abort.signal.throwIfAborted()
        return await this.pool.run(task, lease.input, { signal: abort.signal, resume, onCheckpoint, onRan: ran, blobs })
      } catch (err) {
        // A state the task refuses (it came from another peer) costs only the work it would have
        // saved: the chunk runs again from the beginning.
        if (resume === undefined || (err as Error | null)?.name !== 'InvalidCheckpointError' || abort.signal.aborted) throw err
        const fields = { leaseId: lease.leaseId, task: lease.task, err: (err as Error).message }
        this.log.warn(fields, 'checkpoint refused by the task; chunk runs from the beginning')
        return await attempt(undefined)
      }
    }
    // Nil stands for absent, as on the wire.
    const resume = lease.resume ?? undefined
    if (resume !== undefined) this.log.info({ leaseId: lease.leaseId, state: resume }, 'chunk resumed from a checkpoint')
    attempt(resume).then(
      (output) => { end([{ leaseId: lease.leaseId, ok: true, output }]) },
      (err: unknown) => {
        if (timedOut) {
          this.log.warn({ leaseId: lease.leaseId, task: lease.task, timeoutMs: lease.timeoutMs }, 'chunk timed out')
          const error = toWireError(new TaskTimeoutError(`chunk ${lease.index} of ${lease.task} ran longer than ${lease.timeoutMs} ms`))
          end([{ leaseId: lease.leaseId, ok: false, error }], false)
        } else if (abort.signal.aborted) {
          end()
        } else {
          this.log.warn({ leaseId: lease.leaseId, task: lease.task, err: (err as Error).message }, 'chunk failed')
          end([{ leaseId: lease.leaseId, ok: false, error: toWireError(err) }])
        }
      }
    ).finally(() => { clearTimeout(timer) })
  }

  /**
   * With `maxCpu` below 100, a thread rests after each run in proportion to how long it ran, so
   * that over time it is busy at most that share of the time.
   */
  private rest (ranMs: number): void {
    if (this.init.maxCpu >= 100 || this.stopped) {
      this.threadFree()
      return
    }
    this.resting++
    const timer = setTimeout(() => {
      this.resting--
      this.threadFree()
    }, this.restMs(ranMs))
    timer.unref()
  }

  private restMs (ranMs: number): number {
    return this.init.maxCpu >= 100 ? 0 : ranMs * (100 / this.init.maxCpu - 1)
  }
}
