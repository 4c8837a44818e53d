/**
 * A custom task: a checked WebAssembly module and its manifest, made into the same `Task` the
 * built-ins are, so the scheduler, the executor and the pool threads handle it like any other.
 * The coordinator uses its params, split and combine (with a sandbox for the module's own
 * `reduce`); a pool thread uses its `run`.
 */
import { Packr } from 'msgpackr'

import { CHECKPOINT_EVERY_MS } from '../constants.js'
import { InvalidCheckpointError } from '../errors.js'
import type { AnyTask, RunContext, Task } from '../task.js'
import { callModule, decodeDoc, encodeDoc, MAX_CHECKPOINT_BYTES, type WasmCode } from './abi.js'
import { finalize, init, parseOutput, reduce, type Reducer, type WasmAcc } from './combine.js'
import { taskId, WASM_TASK_ID } from './manifest.js'
import { checkParams } from './param-shapes.js'
import { chunkInput, chunkReads, runArguments, splitParams, type WasmInput, type WasmParams } from './split.js'

/** What a worker lists in a pull's `tasks` when it runs custom tasks of this ABI version. */
export const WASM_CAPABILITY = 'wasm/1'


const packr = new Packr({ useRecords: false })

export interface WasmTask extends Task<WasmParams, WasmInput, unknown, WasmAcc, unknown, unknown> {
  readonly code: WasmCode
}

/** What a worker must list in a pull's `tasks` to be given chunks of task `name`: `wasm/1` for a custom task, the name for a built-in. */
export function taskCapability (name: string): string {
  return WASM_TASK_ID.test(name) ? WASM_CAPABILITY : name
}

/** `code` as a task; `reducer` runs the module's `reduce` (only the coordinator needs one, and only for that combine). */
export function createWasmTask (code: WasmCode, reducer?: Reducer): WasmTask {
  const { manifest } = code
  const { split, combine, encoding } = manifest
  const task: WasmTask = {
    code,
    name: taskId(manifest),
    description: manifest.description,
    exampleParams: (manifest.exampleParams ?? {}) as unknown as WasmParams,
    resultType: 'application/json',
    defaultChunkTimeoutMs: manifest.limits.chunkTimeoutMs,

    parseParams (raw, chunks, ctx) {
      return splitParams(split, checkParams(raw, manifest.params), chunks, ctx)
    },

    blobs (params) {
      return split.kind === 'bytes' ? [params.params[split.blob] as string] : []
    },

    chunk (params, count, index) {
      return chunkInput(split, params, count, index)
    },

    parseOutput (raw) {
      return parseOutput(combine, manifest, raw)
    },

    run (input: WasmInput, ctx?: RunContext<unknown>) {
      const { doc, data } = runArguments(split, input, ctx?.blobs)
      const full = ctx?.resume === undefined ? doc : { ...doc, resume: ctx.resume }
      let posted = -Infinity
      const onCheckpoint = ctx === undefined
        ? undefined
        : (state: Uint8Array) => {
            // The ones in between are not even decoded.
            const now = performance.now()
            if (now - posted < CHECKPOINT_EVERY_MS) return
            posted = now
            // A checkpoint that does not parse is dropped, not the run: it is only ever a hint.
            let decoded: unknown
            try {
              decoded = decodeDoc(encoding, state, 'checkpoint')
            } catch {
              return
            }
            ctx.checkpoint(decoded)
          }
      const out = callModule(code, 'run', [encodeDoc(encoding, full), data], onCheckpoint)
      return combine.kind === 'reduce' ? out : decodeDoc(encoding, out, 'output')
    },

    parseCheckpoint (raw) {
      const size = packr.pack(raw).length
      if (size > MAX_CHECKPOINT_BYTES) throw new InvalidCheckpointError('checkpoint', `takes ${size} bytes, more than ${MAX_CHECKPOINT_BYTES}`)
      return raw
    },

    init () {
      return init(combine)
    },

    reduce (acc, output, index) {
      return reduce(combine, manifest, acc, output, index, reducer)
    },

    finalize (acc, _params, count) {
      return finalize(manifest, acc, count)
    }
  }
  if (split.kind === 'bytes') task.reads = (input) => chunkReads(split, input)
  return task
}

/** Whether `task` is a custom WebAssembly task. */
export function isWasmTask (task: AnyTask): task is WasmTask {
  return (task as Partial<WasmTask>).code !== undefined
}
