/**
 * How a custom task's chunk outputs combine into its job's result (its manifest's `combine`).
 * Outputs are reduced in whatever order they are decided, so every kind gives the same result
 * in any order: sums are exact until read (exact-sum.ts), min and max break ties by chunk index,
 * concatenation keeps each chunk's part until the end. The module's own `reduce` must itself not
 * depend on the order (docs/TASKS.md).
 */
import { Packr } from 'msgpackr'

import { InvalidOutputError } from '../errors.js'
import { decodeDoc } from './abi.js'
import { addExact, exactSum } from './exact-sum.js'
import type { Combine, WasmManifest } from './manifest.js'

export type WasmAcc =
  | { kind: 'sum', partials: number[] }
  /** Keys are kept prefixed (`k:name`): an output's key `__proto__` must stay a key like any other. */
  | { kind: 'sum-by-key', keys: Record<string, number[]>, count: number }
  | { kind: 'min' | 'max', best?: { value: number, index: number, output: unknown } }
  | { kind: 'concat', parts: Record<string, unknown[]>, bytes: number }
  | { kind: 'reduce', acc: Uint8Array }

/** Folds one output (bytes) into the accumulator (bytes) with the module's `reduce`, in its sandbox. */
export type Reducer = (acc: Uint8Array, output: Uint8Array) => Uint8Array

/** The most keys a `sum-by-key` result may hold. */
export const MAX_KEYS = 1_000_000
const MAX_KEY_LENGTH = 1024

const packr = new Packr({ useRecords: false })

/** Checks an output that came over the network against what `combine` needs; throws `InvalidOutputError`. */
export function parseOutput (combine: Combine, manifest: WasmManifest, raw: unknown): unknown {
  switch (combine.kind) {
    case 'sum':
      return finite(raw, 'output')
    case 'sum-by-key': {
      const rec = object(raw, 'output')
      const keys = Object.keys(rec)
      if (keys.length > MAX_KEYS) throw new InvalidOutputError('output', `holds ${keys.length} keys, more than ${MAX_KEYS}`)
      for (const key of keys) {
        if (key.length > MAX_KEY_LENGTH) throw new InvalidOutputError('output', `holds a key longer than ${MAX_KEY_LENGTH} characters`)
        finite(rec[key], `output.${key.slice(0, 40)}`)
      }
      return rec
    }
    case 'min':
    case 'max':
      if (combine.by === undefined) return finite(raw, 'output')
      finite(object(raw, 'output')[combine.by], `output.${combine.by}`)
      return raw
    case 'concat':
      if (!Array.isArray(raw)) throw new InvalidOutputError('output', 'must be a list (the manifest combines with "concat")')
      return raw
    case 'reduce':
      if (!(raw instanceof Uint8Array)) throw new InvalidOutputError('output', 'must be bytes (the manifest combines with "reduce")')
      if (raw.length > manifest.limits.outputBytes) throw new InvalidOutputError('output', `is ${raw.length} bytes, more than limits.outputBytes (${manifest.limits.outputBytes})`)
      return raw
  }
}

export function init (combine: Combine): WasmAcc {
  switch (combine.kind) {
    case 'sum': return { kind: 'sum', partials: [] }
    case 'sum-by-key': return { kind: 'sum-by-key', keys: {}, count: 0 }
    case 'min':
    case 'max': return { kind: combine.kind }
    case 'concat': return { kind: 'concat', parts: {}, bytes: 0 }
    case 'reduce': return { kind: 'reduce', acc: new Uint8Array(0) }
  }
}

/** Folds chunk `index`'s checked output into `acc`, in place. Throws when the result would pass the manifest's limits. */
export function reduce (combine: Combine, manifest: WasmManifest, acc: WasmAcc, output: unknown, index: number, reducer?: Reducer): WasmAcc {
  switch (acc.kind) {
    case 'sum':
      addExact(acc.partials, output as number)
      return acc
    case 'sum-by-key':
      for (const [name, value] of Object.entries(output as Record<string, number>)) {
        const key = `k:${name}`
        let partials = Object.hasOwn(acc.keys, key) ? acc.keys[key] : undefined
        if (partials === undefined) {
          if (++acc.count > MAX_KEYS) throw new Error(`the result would hold more than ${MAX_KEYS} keys`)
          partials = acc.keys[key] = []
        }
        addExact(partials, value)
      }
      return acc
    case 'min':
    case 'max': {
      const by = (combine as { by?: string }).by
      const value = by === undefined ? output as number : (output as Record<string, number>)[by]
      const best = acc.best
      const better = best === undefined || (acc.kind === 'min' ? value < best.value : value > best.value) || (value === best.value && index < best.index)
      if (better) acc.best = { value, index, output }
      return acc
    }
    case 'concat':
      acc.bytes += packr.pack(output).length
      if (acc.bytes > manifest.limits.resultBytes) throw new Error(`the result would take more than ${manifest.limits.resultBytes} bytes (limits.resultBytes)`)
      acc.parts[String(index)] = output as unknown[]
      return acc
    case 'reduce': {
      if (reducer === undefined) throw new Error('no sandbox to run the module\'s reduce in')
      const next = reducer(acc.acc, output as Uint8Array)
      if (next.length > manifest.limits.resultBytes) throw new Error(`reduce returned ${next.length} bytes, more than limits.resultBytes (${manifest.limits.resultBytes})`)
      acc.acc = next
      return acc
    }
  }
}

export function finalize (manifest: WasmManifest, acc: WasmAcc, count: number): unknown {
  switch (acc.kind) {
    case 'sum':
      return checked(exactSum(acc.partials))
    case 'sum-by-key':
      // fromEntries defines each key as its own, `__proto__` included.
      return Object.fromEntries(Object.keys(acc.keys).sort().map(key => [key.slice(2), checked(exactSum(acc.keys[key]))]))
    case 'min':
    case 'max':
      return acc.best?.output ?? null
    case 'concat': {
      const all: unknown[] = []
      for (let i = 0; i < count; i++) {
        for (const item of acc.parts[String(i)] ?? []) all.push(item)
      }
      return all
    }
    case 'reduce':
      return acc.acc.length === 0 ? null : decodeDoc(manifest.encoding, acc.acc, 'reduce result')
  }
}

function checked (sum: number): number {
  if (!Number.isFinite(sum)) throw new Error('the sum overflowed')
  return sum
}

function finite (raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new InvalidOutputError(field, 'must be a finite number')
  return raw
}

function object (raw: unknown, field: string): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || ArrayBuffer.isView(raw)) throw new InvalidOutputError(field, 'must be an object')
  return raw as Record<string, unknown>
}
