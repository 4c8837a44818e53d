/**
 * Small readers for untrusted plain data (request params, chunk inputs, outputs from the network).
 * Each throws the caller's error class with the path of the field and what is wrong with it, so
 * a bad message is reported precisely and never crashes a process.
 */
import { InvalidParamsError } from './errors.js'

/** An error class taking `(field, problem)`: InvalidParamsError, InvalidInputError, InvalidOutputError. */
export type FieldErrorClass = new (field: string, problem: string) => Error

/** A plain object holding only `keys` (any of them may be missing); anything else is rejected. */
export function record (raw: unknown, path: string, keys: readonly string[], Fail: FieldErrorClass): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || ArrayBuffer.isView(raw)) {
    throw new Fail(path, 'must be an object')
  }
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) throw new Fail(`${path}.${key}`, `is not a known field (expected ${keys.join(', ')})`)
  }
  return raw as Record<string, unknown>
}

/** An integer in [min, max]; `fallback` is used when the value is missing. */
export function integer (value: unknown, field: string, min: number, max: number, Fail: FieldErrorClass, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (value === undefined) throw new Fail(field, 'is required')
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Fail(field, 'must be an integer')
  if (value < min || value > max) throw new Fail(field, `must be between ${min} and ${max}, got ${value}`)
  return value
}

/** A finite number; `fallback` is used when the value is missing. */
export function finite (value: unknown, field: string, Fail: FieldErrorClass, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (value === undefined) throw new Fail(field, 'is required')
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Fail(field, 'must be a finite number')
  return value
}

/** Bytes, as a Uint8Array (msgpackr decodes binary as a Node Buffer, which is one). */
export function bytes (value: unknown, field: string, length: number, Fail: FieldErrorClass): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Fail(field, 'must be a byte array')
  if (value.length !== length) throw new Fail(field, `must hold ${length} bytes, got ${value.length}`)
  return value
}

/** The requested chunk count: a positive integer no larger than what the params can be cut into. */
export function chunkCount (chunks: unknown, max: number, unit: string): number {
  if (typeof chunks !== 'number' || !Number.isSafeInteger(chunks) || chunks < 1) {
    throw new InvalidParamsError('chunks', 'must be a positive integer')
  }
  if (chunks > max) throw new InvalidParamsError('chunks', `must be at most ${max} (one per ${unit}), got ${chunks}`)
  return chunks
}

/**
 * Piece `index` of `count` near-equal pieces of `size` items: sizes differ by at most one, the
 * larger ones first, and the pieces cover [0, size) exactly once in order.
 */
export function piece (size: number, count: number, index: number): { start: number, end: number } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`chunk index must be an integer in [0, ${count}), got ${index}`)
  }
  const base = Math.floor(size / count)
  const extra = size % count
  const start = index * base + Math.min(index, extra)
  return { start, end: start + base + (index < extra ? 1 : 0) }
}
