/**
 * @cycleshare/tasks — the task contract, the built-in tasks and the thread pool that runs them.
 *
 * @example
 * ```ts
 * import { createTaskPool, getTask, split } from '@cycleshare/tasks'
 *
 * // Coordinator side: validate, split lazily, reduce, finalize.
 * const task = getTask('primes')
 * const params = task.parseParams({ from: 0, to: 100_000_000 }, 64)
 *
 * // Worker side: run chunks in low-priority threads.
 * const pool = createTaskPool({ threads: 2 })
 * await pool.start()
 * let acc = task.init(params, 64)
 * let index = 0
 * for (const input of split(task, params, 64)) {
 *   const output = task.parseOutput(await pool.run(task.name, input), input)
 *   acc = task.reduce(acc, output, index++, params, 64)
 * }
 * console.log(task.finalize(acc, params, 64)) // { from: 0, to: 100000000, count: 5761455 }
 * await pool.stop()
 * ```
 */
export { sameOutput, split, type AnyTask, type BlobRange, type ParamsContext, type RunContext, type Task } from './task.js'
export {
  InvalidCheckpointError, InvalidInputError, InvalidOutputError, InvalidParamsError, PoolNotRunningError, TaskAbortedError,
  TaskFailedError, UnknownTaskError
} from './errors.js'
export { reviveError, serializeError, type SerializedError } from './wire-error.js'
export { builtinTasks, getTask, taskNames } from './registry.js'
export {
  countPrimes, primes, PRIMES_MAX,
  type PrimesAcc, type PrimesCheckpoint, type PrimesInput, type PrimesOutput, type PrimesParams, type PrimesResult
} from './primes.js'
export { probe, ProbeFailureError, PROBE_MAX_SPIN_MS, type ProbeAcc, type ProbeInput, type ProbeOutput, type ProbeParams, type ProbeResult } from './probe.js'
export { countInside, pi, PI_CHECKPOINT_SAMPLES, PI_MAX_SAMPLES, type PiCheckpoint, type PiAcc, type PiInput, type PiOutput, type PiParams, type PiResult } from './pi.js'
export {
  mandelbrot, MANDELBROT_DEFAULTS, MANDELBROT_MAX_ITERATIONS, MANDELBROT_MAX_PIXELS, MANDELBROT_MAX_SIDE, renderRows,
  type MandelbrotAcc, type MandelbrotInput, type MandelbrotOutput, type MandelbrotParams
} from './mandelbrot.js'
export {
  wordcount, WORDCOUNT_LOOKAHEAD, WORDCOUNT_MAX_TERMS, WORDCOUNT_MAX_TOP,
  type WordcountAcc, type WordcountInput, type WordcountOutput, type WordcountParams, type WordcountResult
} from './wordcount.js'
export { defaultTaskPoolInit } from './constants.js'
export { createTaskPool, workerPath, type TaskPool, type BatchOutcome, type RunOptions, type TaskPoolInit } from './pool.js'
export { LINE_LOOKAHEAD, linesRead, ownedLines, type ByteRangeInput } from './lines.js'
export {
  InvalidManifestError, InvalidModuleError, WasmTaskError
} from './errors.js'
export { callModule, decodeDoc, encodeDoc, MAX_CHECKPOINT_BYTES, type WasmCode } from './wasm/abi.js'
export { parseManifest, taskId, LIMIT_BOUNDS, TASK_NAME, TASK_VERSION, WASM_TASK_ID, type Combine, type Limits, type Split, type WasmManifest } from './wasm/manifest.js'
export { ABI_IMPORTS, checkModule, MAX_MODULE_BYTES, type MemoryImport } from './wasm/module-check.js'
export { checkParams, type ParamShape } from './wasm/param-shapes.js'
export { ReduceSandbox } from './wasm/reduce-sandbox.js'
export { createWasmTask, isWasmTask, taskCapability, WASM_CAPABILITY, type WasmTask } from './wasm/wasm-task.js'
export type { WasmInput, WasmParams } from './wasm/split.js'
export type { WasmAcc } from './wasm/combine.js'
