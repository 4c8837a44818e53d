/**
 * `probe`: a task for checking a deployment rather than computing anything. Each chunk answers its
 * own index after an optional busy wait; chunks listed in `failAt` throw, chunks listed in
 * `hangAt` spin until they are stopped (a time limit, a cancel). The result, the number of chunks
 * and the sum of their indexes, is known in advance: n and n(n−1)/2.
 */
import { InvalidInputError, InvalidOutputError, InvalidParamsError } from './errors.js'
import type { Task } from './task.js'
import { chunkCount, integer, record } from './validate.js'

export interface ProbeParams { spinMs: number, failAt: number[], hangAt: number[] }
export interface ProbeInput { index: number, spinMs: number, fail: boolean, hang: boolean }
export interface ProbeOutput { index: number }
export interface ProbeAcc { chunks: number, indexSum: number }
export type ProbeResult = ProbeAcc

/** Longest busy wait per chunk. */
export const PROBE_MAX_SPIN_MS = 60_000
/** A hanging chunk gives up after an hour even if nobody stops it. */
const HANG_MS = 3_600_000
const MAX_LISTED = 1000
const MAX_CHUNKS = 10_000_000

/** Error thrown by the chunks listed in `failAt`. */
export class ProbeFailureError extends Error {
  override readonly name = 'ProbeFailureError'
}

function indexList (value: unknown, field: string, chunks: number): number[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new InvalidParamsError(field, 'must be an array of chunk indexes')
  if (value.length > MAX_LISTED) throw new InvalidParamsError(field, `must list at most ${MAX_LISTED} chunks`)
  return value.map((v, i) => integer(v, `${field}[${i}]`, 0, chunks - 1, InvalidParamsError))
}

/** Busy for `ms`: a chunk that hangs stops only when its thread is ended (a cancel, a timeout). */
function spin (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* busy */ }
}

export const probe: Task<ProbeParams, ProbeInput, ProbeOutput, ProbeAcc, ProbeResult> = {
  name: 'probe',
  description: 'Checks a deployment: each chunk answers its index after an optional busy wait; chunks in failAt throw, chunks in hangAt never finish.',
  exampleParams: { spinMs: 10, failAt: [], hangAt: [] },
  resultType: 'application/json',

  parseParams (raw, chunks) {
    const rec = record(raw ?? {}, 'params', ['spinMs', 'failAt', 'hangAt'], InvalidParamsError)
    chunkCount(chunks, MAX_CHUNKS, 'chunk')
    return {
      spinMs: integer(rec.spinMs, 'params.spinMs', 0, PROBE_MAX_SPIN_MS, InvalidParamsError, 0),
      failAt: indexList(rec.failAt, 'params.failAt', chunks),
      hangAt: indexList(rec.hangAt, 'params.hangAt', chunks)
    }
  },

  chunk (params, count, index) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new RangeError(`chunk index ${index} is outside [0, ${count})`)
    return { index, spinMs: params.spinMs, fail: params.failAt.includes(index), hang: params.hangAt.includes(index) }
  },

  parseOutput (raw, input) {
    const rec = record(raw, 'output', ['index'], InvalidOutputError)
    return { index: integer(rec.index, 'output.index', input.index, input.index, InvalidOutputError) }
  },

  run (raw: ProbeInput) {
    const rec = record(raw, 'input', ['index', 'spinMs', 'fail', 'hang'], InvalidInputError)
    const index = integer(rec.index, 'input.index', 0, MAX_CHUNKS - 1, InvalidInputError)
    const spinMs = integer(rec.spinMs, 'input.spinMs', 0, PROBE_MAX_SPIN_MS, InvalidInputError)
    if (typeof rec.fail !== 'boolean') throw new InvalidInputError('input.fail', 'must be a boolean')
    if (typeof rec.hang !== 'boolean') throw new InvalidInputError('input.hang', 'must be a boolean')
    spin(rec.hang ? HANG_MS : spinMs)
    if (rec.fail) throw new ProbeFailureError(`probe chunk ${index} failed as asked (params.failAt)`)
    return { index }
  },

  init () {
    return { chunks: 0, indexSum: 0 }
  },

  reduce (acc, output) {
    return { chunks: acc.chunks + 1, indexSum: acc.indexSum + output.index }
  },

  finalize (acc) {
    return { chunks: acc.chunks, indexSum: acc.indexSum }
  },

  same (a, b) {
    return a.index === b.index
  }
}
