/**
 * The Piscina worker module, loaded by file name in each pool thread: runs one chunk of a
 * built-in task. Import it as `@cycleshare/tasks/worker` only to hand its path to a pool.
 */
import { openSync, readFileSync, readSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { isMainThread, type MessagePort } from 'node:worker_threads'

import { CHECKPOINT_EVERY_MS } from './constants.js'
import { InvalidCheckpointError, InvalidInputError } from './errors.js'
import { getTask } from './registry.js'
import type { AnyTask, RunContext } from './task.js'
import type { WasmCode } from './wasm/abi.js'
import { taskId } from './wasm/manifest.js'
import { createWasmTask } from './wasm/wasm-task.js'
import { serializeError, toThreadError, type SerializedError } from './wire-error.js'

/** Nice value of the pool threads: volunteers lend only cycles nobody else wants. */
export const THREAD_NICE = 19

// On Linux, pid 0 names the calling thread, so this lowers this pool thread alone, not the
// process that hosts it (and never the main thread, should someone import this file there).
// Failure (an OS that refuses) leaves the default priority: run anyway.
if (!isMainThread) {
  try {
    setPriority(0, THREAD_NICE)
  } catch {}
}

/**
 * What the pool posts: one chunk (with the checkpoint to go on from, and the port to post its
 * checkpoints to), or a batch of small chunks of one task run one after another. A custom task
 * comes with its compiled module (`wasm`); a built-in is looked up by name.
 */
export type WorkerRequest =
  | { task: string, wasm?: WasmCode, input: unknown, resume?: unknown, checkpoints?: MessagePort, timed?: boolean, blobs?: Uint8Array[] }
  | { task: string, wasm?: WasmCode, inputs: unknown[] }

/**
 * Custom tasks this thread has run, by module hash and manifest (one module may serve two
 * manifests): each is made into a task once per thread.
 */
const wasmTasks = new Map<string, AnyTask>()

function taskOf (request: WorkerRequest): AnyTask {
  const code = request.wasm
  if (code === undefined) return getTask(request.task)
  if (taskId(code.manifest) !== request.task) throw new InvalidInputError('request.task', `names ${request.task}, but the module given is ${taskId(code.manifest)}`)
  const key = `${code.hash} ${JSON.stringify(code.manifest)}`
  let task = wasmTasks.get(key)
  if (task === undefined) {
    task = createWasmTask(code)
    wasmTasks.set(key, task)
  }
  return task
}

export { CHECKPOINT_EVERY_MS }

/**
 * The answer to a batch: one outcome per input, in order (a failing chunk does not stop the rest),
 * and how long the batch ran in this thread, in milliseconds.
 */
export interface BatchAnswer { outcomes: Array<{ ok: true, output: unknown } | { ok: false, error: SerializedError }>, ranMs: number, cpuMs?: number }

/**
 * The answer to a `timed` chunk: its output, how long it ran in this thread, and the CPU time the
 * thread used for it (where the system tells: Linux), in milliseconds.
 */
export interface TimedAnswer { output: unknown, ranMs: number, cpuMs?: number }

/**
 * Runs one chunk and returns its output; errors are rethrown so their name survives cloning.
 * A cancelled chunk is not told: the pool ends this thread (Piscina terminates a thread whose
 * task is aborted), which stops any task, a synchronous loop included.
 */
export default async function runChunk (request: WorkerRequest): Promise<unknown> {
  try {
    if (request === null || typeof request !== 'object' || typeof request.task !== 'string') {
      throw new InvalidInputError('request.task', 'must be a task name')
    }
    const task = taskOf(request)
    // Measured here, so that a thread's start and a queue's wait are not counted as the run's.
    const started = performance.now()
    // Read only when the caller times runs (the worker runtime does): two /proc reads per run or batch.
    const timed = 'inputs' in request || request.timed === true
    const cpuStarted = timed ? threadCpuMs() : undefined
    if ('inputs' in request) {
      if (!Array.isArray(request.inputs)) throw new InvalidInputError('request.inputs', 'must be an array')
      const outcomes: BatchAnswer['outcomes'] = []
      for (const input of request.inputs) {
        try {
          outcomes.push({ ok: true, output: await task.run(input) })
        } catch (error) {
          outcomes.push({ ok: false, error: serializeError(error) })
        }
      }
      return { outcomes, ranMs: performance.now() - started, cpuMs: cpuSince(cpuStarted) } satisfies BatchAnswer
    }
    const output = await task.run(request.input, runContext(task, request.input, request.resume, request.checkpoints, request.blobs))
    return answerOf(output, request.timed === true ? performance.now() - started : undefined, cpuSince(cpuStarted))
  } catch (error) {
    throw toThreadError(error)
  }
}

/**
 * The context of one run: the resume state checked by the task, and a checkpoint that posts the
 * latest state at most every CHECKPOINT_EVERY_MS (a task may call it every few microseconds).
 */
function runContext (task: AnyTask, input: unknown, resume: unknown, port: MessagePort | undefined, blobs: Uint8Array[] | undefined): RunContext | undefined {
  if (resume !== undefined && task.parseCheckpoint === undefined) {
    throw new InvalidCheckpointError('checkpoint', `is given, but ${task.name} does not checkpoint`)
  }
  const checked = resume === undefined ? undefined : task.parseCheckpoint!(resume, input)
  if (checked === undefined && port === undefined && blobs === undefined) return undefined
  let posted = performance.now()
  return {
    resume: checked,
    blobs,
    checkpoint (state) {
      if (port === undefined) return
      const now = performance.now()
      if (now - posted < CHECKPOINT_EVERY_MS) return
      posted = now
      port.postMessage(state)
    }
  }
}

/**
 * The answer to a chunk: its output, or with `ranMs` a TimedAnswer. Its byte arrays are copied
 * back, never moved: moving (transferring) a buffer detaches it, and the first detach in an
 * isolate makes V8 check every typed-array access in optimized code from then on — the `primes`
 * sieve ran 40 % slower in a thread for good after one (docs/PERFORMANCE.md). A copy of even a
 * whole mandelbrot band costs a few milliseconds.
 */
function answerOf (output: unknown, ranMs: number | undefined, cpuMs: number | undefined): unknown {
  return ranMs === undefined ? output : { output, ranMs, cpuMs } satisfies TimedAnswer
}

/**
 * This thread's CPU time so far, in milliseconds, from /proc/thread-self/schedstat (nanoseconds on
 * a CPU; Linux); undefined where there is none. What a result claims as credit. The file is opened
 * once per thread and read again from its start (one system call, as a run may be a millisecond).
 */
export function threadCpuMs (): number | undefined {
  if (schedstat === undefined) {
    try {
      schedstat = openSync('/proc/thread-self/schedstat', 'r')
    } catch {
      schedstat = null
    }
  }
  if (schedstat === null) return undefined
  const n = readSync(schedstat, schedstatBuffer, 0, schedstatBuffer.length, 0)
  const text = schedstatBuffer.toString('latin1', 0, n)
  return Number(text.slice(0, text.indexOf(' '))) / 1e6
}

/** This thread's schedstat file: undefined until first read, null where there is none. */
let schedstat: number | null | undefined
const schedstatBuffer = Buffer.alloc(64)

function cpuSince (started: number | undefined): number | undefined {
  const now = started === undefined ? undefined : threadCpuMs()
  return now === undefined || started === undefined ? undefined : now - started
}

/**
 * This thread's nice value, read from /proc where there is one (Linux); a diagnostic, called
 * through the pool by name, that shows the priority drop above took effect.
 */
export function threadNice (): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8')
    // Fields after the `(comm)` one, which may itself hold spaces: state is field 3, nice is 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  } catch {
    return getPriority(0)
  }
}
