/**
 * A small wrapper around Piscina: runs chunks of built-in tasks in low-priority threads with a
 * per-thread memory cap, abortable, with errors that keep their name across the thread boundary.
 */
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'

import type { Startable } from '@cycleshare/lifecycle'
import { Piscina } from 'piscina'

import { defaultTaskPoolInit } from './constants.js'
import { PoolNotRunningError, TaskAbortedError, TaskFailedError } from './errors.js'
import { fromThreadError, reviveError } from './wire-error.js'
import type { WasmCode } from './wasm/abi.js'
import { taskId } from './wasm/manifest.js'
import type { BatchAnswer, TimedAnswer, WorkerRequest } from './worker.js'

export interface TaskPoolInit {
  /**
   * Worker threads, the most chunks run at once.
   * @defaultValue `os.availableParallelism()`
   */
  threads?: number
  /**
   * Old-generation heap cap per thread, in MiB (Piscina `resourceLimits.maxOldGenerationSizeMb`).
   * @defaultValue 512
   */
  maxMemoryMb?: number
  /**
   * How long an idle thread lives before it exits, in milliseconds.
   * @defaultValue 30_000
   */
  idleTimeoutMs?: number
}

export type BatchOutcome = { ok: true, output: unknown } | { ok: false, error: Error }

export interface RunOptions {
  /** Aborting it ends the thread the chunk runs in. */
  signal?: AbortSignal
  /** A checkpoint of an earlier run of this chunk to go on from; the thread checks it with the task's `parseCheckpoint`. */
  resume?: unknown
  /** Gets the chunk's checkpoints while it runs: the latest at most every `CHECKPOINT_EVERY_MS`. */
  onCheckpoint?: (state: unknown) => void
  /** Gets how long the chunk ran in its thread, in milliseconds: a thread's start and the queue's wait not counted. */
  /** How long the run took in its thread, and the CPU time it used there where the system tells (Linux). */
  onRan?: (ms: number, cpuMs?: number) => void
  /** The bytes of the blob ranges the task's `reads` names for this input, moved (not copied) to the thread. */
  blobs?: Uint8Array[]
}

export interface TaskPool extends Startable {
  /**
   * Runs chunk `input` of `task` (a built-in's name, or a custom task's compiled module) in a pool thread and resolves with its output,
   * going on from `options.resume` and handing its checkpoints to `options.onCheckpoint`.
   * Rejects with `TaskAbortedError` when `options.signal` aborts (the thread is terminated) or the pool
   * stops; with the task's own error (same `name` and `message`) when it throws; with
   * `TaskFailedError` when the thread dies (out of memory); with `PoolNotRunningError` before
   * `start()` or after `stop()`.
   */
  run(task: string | WasmCode, input: unknown, options?: RunOptions): Promise<unknown>
  /**
   * Runs several small chunks of one task in one pool thread, one after another: a thread hop
   * costs tens of microseconds, more than a tiny chunk. Resolves with one outcome per input, in
   * order (a chunk that throws gives `{ ok: false, error }` with its name and message and does not
   * stop the others), handing how long the batch ran in its thread to `onRan`; rejects as `run`
   * does when the batch as a whole is aborted or dies.
   */
  runBatch(task: string | WasmCode, inputs: unknown[], signal?: AbortSignal, onRan?: (ms: number, cpuMs?: number) => void): Promise<BatchOutcome[]>
  /** Threads in the pool: at most this many chunks run at once, the rest wait in a queue. */
  readonly threads: number
  /** Chunks submitted and not yet settled (running or queued). */
  readonly running: number
}

/**
 * The compiled worker module. Piscina threads load plain JavaScript, so when this file runs as
 * TypeScript (vitest imports `src/pool.ts`) it points at the package's build in `dist/`.
 */
export const workerPath: string = fileURLToPath(
  import.meta.url.endsWith('.ts') ? new URL('../dist/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url)
)

function option (init: TaskPoolInit, key: keyof TaskPoolInit, fallback: number, min: number): number {
  const value = init[key] ?? fallback
  if (typeof value !== 'number') throw new TypeError(`options.${key} must be a number`)
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`options.${key} must be an integer of at least ${min}, got ${value}`)
  }
  return value
}

export function createTaskPool (init: TaskPoolInit = {}): TaskPool {
  if (init === null || typeof init !== 'object') throw new TypeError('options must be an object')
  return new PiscinaTaskPool({
    threads: option(init, 'threads', defaultTaskPoolInit.threads(), 1),
    maxMemoryMb: option(init, 'maxMemoryMb', defaultTaskPoolInit.maxMemoryMb, 16),
    idleTimeoutMs: option(init, 'idleTimeoutMs', defaultTaskPoolInit.idleTimeoutMs, 0)
  })
}

class PiscinaTaskPool implements TaskPool {
  readonly threads: number
  #running = 0
  #piscina: Piscina<WorkerRequest, unknown> | undefined
  #stopping = false
  readonly #init: Required<TaskPoolInit>

  constructor (init: Required<TaskPoolInit>) {
    this.threads = init.threads
    this.#init = init
  }

  get running (): number {
    return this.#running
  }

  async start (): Promise<void> {
    if (this.#piscina !== undefined) return
    this.#stopping = false
    this.#piscina = new Piscina<WorkerRequest, unknown>({
      filename: workerPath,
      // Threads start on demand and leave when idle: a volunteer's machine gets its memory back.
      minThreads: 0,
      maxThreads: this.#init.threads,
      idleTimeout: this.#init.idleTimeoutMs,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: this.#init.maxMemoryMb }
    })
  }

  async stop (): Promise<void> {
    const piscina = this.#piscina
    if (piscina === undefined) return
    this.#stopping = true
    this.#piscina = undefined
    await piscina.destroy()
  }

  async run (task: string | WasmCode, input: unknown, { signal, resume, onCheckpoint, onRan, blobs }: RunOptions = {}): Promise<unknown> {
    const piscina = this.#piscina
    if (piscina === undefined) throw new PoolNotRunningError()
    if (signal?.aborted === true) throw new TaskAbortedError()
    this.#running++
    // Checkpoints come over a port of their own: the thread posts them from inside a synchronous
    // loop, and they arrive here while the chunk still runs.
    const channel = onCheckpoint === undefined ? undefined : new MessageChannel()
    channel?.port1.on('message', (state: unknown) => { onCheckpoint!(state) })
    try {
      const request: WorkerRequest = { ...named(task), input, resume, checkpoints: channel?.port2, timed: onRan !== undefined, blobs }
      const transferList = [...(channel === undefined ? [] : [channel.port2]), ...ownBuffers(blobs)]
      const answer = await piscina.run(request, { signal: signal ?? null, transferList: transferList.length === 0 ? undefined : transferList })
      if (onRan === undefined) return answer
      const { output, ranMs, cpuMs } = answer as TimedAnswer
      onRan(ranMs, cpuMs)
      return output
    } catch (error) {
      throw this.#explain(error, signal)
    } finally {
      channel?.port1.close()
      this.#running--
    }
  }

  async runBatch (task: string | WasmCode, inputs: unknown[], signal?: AbortSignal, onRan?: (ms: number, cpuMs?: number) => void): Promise<BatchOutcome[]> {
    const piscina = this.#piscina
    if (piscina === undefined) throw new PoolNotRunningError()
    if (signal?.aborted === true) throw new TaskAbortedError()
    this.#running += inputs.length
    try {
      const answer = await piscina.run({ ...named(task), inputs }, { signal: signal ?? null }) as BatchAnswer
      onRan?.(answer.ranMs, answer.cpuMs)
      return answer.outcomes.map(o => o.ok ? o : { ok: false, error: reviveError(o.error) })
    } catch (error) {
      throw this.#explain(error, signal)
    } finally {
      this.#running -= inputs.length
    }
  }

  #explain (error: unknown, signal: AbortSignal | undefined): Error {
    const serialized = fromThreadError(error)
    if (serialized !== undefined) return reviveError(serialized)
    if (signal?.aborted === true || (error as Error | null)?.name === 'AbortError') {
      return new TaskAbortedError(signal?.aborted === true ? 'the task was aborted' : 'the task pool stopped')
    }
    if (this.#stopping) return new TaskAbortedError('the task pool stopped')
    if ((error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new TaskFailedError(`the task ran out of memory (options.maxMemoryMb is ${this.#init.maxMemoryMb})`, { cause: error })
    }
    return new TaskFailedError(`the task failed: ${(error as Error | null)?.message ?? String(error)}`, { cause: error })
  }
}

/** A request's task: a built-in by name, or a custom task's module (posted whole; a compiled module is shared, not copied). */
function named (task: string | WasmCode): { task: string, wasm?: WasmCode } {
  // Anything else than a module goes as a name, for the thread to refuse with a clear error.
  return typeof (task as WasmCode | null)?.module === 'object' ? { task: taskId((task as WasmCode).manifest), wasm: task as WasmCode } : { task: task as string }
}

/** The buffers of `arrays` that each array owns whole: only those can be moved without taking others' bytes along. */
function ownBuffers (arrays: Uint8Array[] | undefined): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = []
  for (const a of arrays ?? []) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !buffers.includes(a.buffer)) buffers.push(a.buffer)
  }
  return buffers
}
