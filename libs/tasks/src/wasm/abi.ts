/**
 * The host side of the task ABI (docs/TASKS.md): one call of a module's `run` or `reduce` in a
 * fresh instance, with a memory the host makes (its maximum the manifest's cap) and the few host
 * calls the ABI gives. Nothing else is reachable from inside: no clock, no randomness, no I/O.
 *
 * A fresh instance per call costs tens of microseconds and keeps calls apart: a chunk never sees
 * what an earlier chunk left in memory, so the same input gives the same output on every peer.
 */
import { Packr } from 'msgpackr'

import { WasmTaskError } from '../errors.js'
import './webassembly-types.js'
import type { WasmManifest } from './manifest.js'
import { WASM_PAGE, type MemoryImport } from './module-check.js'

/** A compiled, checked module and what the host needs to call it. */
export interface WasmCode {
  /** The name of the module's bytes (a blob name, `bafkrei…`): what compiled modules are cached by. */
  hash: string
  module: WebAssembly.Module
  manifest: WasmManifest
  memory: MemoryImport
}

/** The most bytes one checkpoint may take: what renewals and transfers carry. */
export const MAX_CHECKPOINT_BYTES = 4096
const MAX_MESSAGE = 1000

// 64-bit integers a module writes come back as numbers, as JSON's do (exact up to 2^53).
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' })
const utf8 = new TextDecoder()
const utf16 = new TextDecoder('utf-16le')

/** `value` as the bytes a module reads, in the manifest's encoding. */
export function encodeDoc (encoding: WasmManifest['encoding'], value: unknown): Uint8Array {
  return encoding === 'json' ? new TextEncoder().encode(JSON.stringify(value)) : packr.pack(value)
}

/** Bytes a module wrote, read in the manifest's encoding; throws `WasmTaskError` naming `what` when they do not parse. */
export function decodeDoc (encoding: WasmManifest['encoding'], bytes: Uint8Array, what: string): unknown {
  try {
    return encoding === 'json' ? JSON.parse(utf8.decode(bytes)) : packr.unpack(bytes)
  } catch (err) {
    throw new WasmTaskError(`the module's ${what} is not valid ${encoding === 'json' ? 'JSON' : 'msgpack'}: ${(err as Error).message}`)
  }
}

/**
 * Calls export `fn` (`run` or `reduce`) with two byte regions copied into the module's memory
 * (each passed as pointer and length), and returns everything it handed to `cycleshare.output`.
 * `onCheckpoint` gets the bytes of each `cycleshare.checkpoint` call. Any trap, abort or `fail`
 * becomes a `WasmTaskError` saying what happened.
 */
export function callModule (code: WasmCode, fn: 'run' | 'reduce', regions: [Uint8Array, Uint8Array], onCheckpoint?: (state: Uint8Array) => void): Uint8Array {
  const { limits } = code.manifest
  // A run's output is one chunk's; a reduce's is the whole accumulator so far.
  const [maxOutput, limitName] = fn === 'run' ? [limits.outputBytes, 'limits.outputBytes'] : [limits.resultBytes, 'limits.resultBytes']
  const maxPages = Math.min(code.memory.maxPages ?? 65_536, limits.memoryMb * (1024 * 1024 / WASM_PAGE))
  // All of it from the start (pages are only backed once touched), so that it never grows:
  // growing detaches the memory's old buffer, and the first detach in an isolate makes V8 check
  // every typed-array access in optimized code from then on — the built-in `primes` ran 40 %
  // slower in a thread for good after a WebAssembly chunk grew its memory there.
  const memory = new WebAssembly.Memory({ initial: maxPages, maximum: maxPages })
  const output: Uint8Array[] = []
  let outputBytes = 0

  const read = (ptr: number, len: number, what: string): Uint8Array => {
    const size = memory.buffer.byteLength
    if (!Number.isInteger(ptr) || !Number.isInteger(len) || ptr < 0 || len < 0 || ptr + len > size) {
      throw new WasmTaskError(`the module passed ${what} bytes [${ptr}, ${ptr + len}) outside its memory of ${size} bytes`)
    }
    return new Uint8Array(memory.buffer, ptr, len).slice()
  }
  const imports = {
    env: {
      memory,
      abort (message: number, file: number, line: number, column: number): never {
        throw new WasmTaskError(`the module aborted: ${asString(memory, message) ?? 'no message'}${file !== 0 ? ` (${asString(memory, file) ?? '?'}:${line}:${column})` : ''}`)
      }
    },
    cycleshare: {
      output (ptr: number, len: number): void {
        outputBytes += len >>> 0
        if (outputBytes > maxOutput) {
          throw new WasmTaskError(`the module output more than ${maxOutput} bytes (its manifest's ${limitName})`)
        }
        output.push(read(ptr >>> 0, len >>> 0, 'output'))
      },
      fail (ptr: number, len: number): never {
        const message = utf8.decode(read(ptr >>> 0, Math.min(len >>> 0, MAX_MESSAGE * 4), 'fail message')).slice(0, MAX_MESSAGE)
        throw new WasmTaskError(`the task failed: ${message}`)
      },
      checkpoint (ptr: number, len: number): void {
        if ((len >>> 0) > MAX_CHECKPOINT_BYTES) throw new WasmTaskError(`the module's checkpoint is ${len >>> 0} bytes, more than ${MAX_CHECKPOINT_BYTES}`)
        onCheckpoint?.(read(ptr >>> 0, len >>> 0, 'checkpoint'))
      }
    }
  }

  try {
    const instance = new WebAssembly.Instance(code.module, imports)
    const exported = instance.exports as Record<string, (...args: number[]) => unknown>
    const args: number[] = []
    for (const region of regions) {
      if (region.length === 0) {
        args.push(0, 0)
        continue
      }
      const ptr = Number(exported.alloc(region.length)) >>> 0
      if (ptr + region.length > memory.buffer.byteLength) {
        throw new WasmTaskError(`alloc(${region.length}) returned ${ptr}, which leaves no room for ${region.length} bytes in its memory of ${memory.buffer.byteLength} bytes`)
      }
      new Uint8Array(memory.buffer).set(region, ptr)
      args.push(ptr, region.length)
    }
    exported[fn](...args)
  } catch (err) {
    if (err instanceof WasmTaskError) throw err
    throw new WasmTaskError(`the module trapped in ${fn}: ${(err as Error)?.message ?? String(err)} (its memory is capped at ${(maxPages * WASM_PAGE / 1024 / 1024).toFixed(maxPages % 16 === 0 ? 0 : 2)} MiB)`)
  }
  if (output.length === 0) throw new WasmTaskError(`${fn} returned without calling cycleshare.output`)
  return output.length === 1 ? output[0] : Buffer.concat(output)
}

/**
 * An AssemblyScript string (UTF-16, its byte length in the 4 bytes before it), as `abort` passes
 * its message and file; undefined when the pointer does not point at one.
 */
function asString (memory: WebAssembly.Memory, ptr: number): string | undefined {
  ptr = ptr >>> 0
  const size = memory.buffer.byteLength
  if (ptr < 4 || ptr > size) return undefined
  const length = new DataView(memory.buffer).getUint32(ptr - 4, true)
  if (length % 2 !== 0 || ptr + length > size) return undefined
  return utf16.decode(new Uint8Array(memory.buffer, ptr, Math.min(length, MAX_MESSAGE * 2)))
}
