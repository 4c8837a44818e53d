/**
 * `pi`: Monte Carlo estimate of π. Each chunk throws its points with a xoshiro128** generator
 * seeded from (job seed, chunk index), so the answer depends only on the params and the chunk
 * count, never on which worker ran which chunk, and two workers agree to the bit for quorum.
 */
import { InvalidCheckpointError, InvalidInputError, InvalidOutputError, InvalidParamsError } from './errors.js'
import type { RunContext, Task } from './task.js'
import { chunkCount, integer, piece, record } from './validate.js'

export interface PiParams { samples: number, seed: number }
export interface PiInput { seed: number, index: number, samples: number }
export interface PiOutput { inside: number, samples: number }
export interface PiAcc { inside: number, samples: number }
export interface PiResult { pi: number, inside: number, samples: number }
/** How far a run has got: `inside` of the first `done` points, and the generator's state after them. */
export interface PiCheckpoint { done: number, inside: number, rng: [number, number, number, number] }

/** Points between checkpoints: about 40 ms of work. */
export const PI_CHECKPOINT_SAMPLES = 4_194_304

/** Most samples in a job: sums stay exact integers in a double. */
export const PI_MAX_SAMPLES = 1e12
const UINT32_MAX = 0xffff_ffff
const TWO_POW_32 = 0x1_0000_0000

/** murmur3's finaliser: spreads every input bit over the whole word. */
function mix32 (h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** xoshiro128** state for chunk `index` of a job seeded `seed`: a splitmix-style stream from their hash. */
export function seedState (seed: number, index: number): Uint32Array {
  let h = mix32(seed ^ 0x243f_6a88)
  h = mix32((h ^ (index % TWO_POW_32)) >>> 0)
  h = mix32((h ^ Math.floor(index / TWO_POW_32)) >>> 0)
  const state = new Uint32Array(4)
  for (let k = 0; k < 4; k++) state[k] = mix32((h + Math.imul(k + 1, 0x9e37_79b9)) >>> 0)
  // xoshiro must not start from all zeros; the odds are 2^-128 but the fix is free.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1
  return state
}

/**
 * Counts how many of `samples` points in the unit square fall inside the quarter circle. With
 * `ctx`, goes on from `ctx.resume` and checkpoints every PI_CHECKPOINT_SAMPLES points.
 */
export function countInside (seed: number, index: number, samples: number, ctx?: RunContext<PiCheckpoint>): number {
  const state = ctx?.resume?.rng ?? seedState(seed, index)
  // Locals, not the array: the loop stays in registers and allocates nothing.
  let s0 = state[0] | 0
  let s1 = state[1] | 0
  let s2 = state[2] | 0
  let s3 = state[3] | 0
  let inside = ctx?.resume?.inside ?? 0
  for (let done = ctx?.resume?.done ?? 0; done < samples;) {
    const end = Math.min(done + PI_CHECKPOINT_SAMPLES, samples)
    for (let i = done; i < end; i++) {
      let r = Math.imul(s1, 5)
      const x = (Math.imul((r << 7) | (r >>> 25), 9) >>> 0) / TWO_POW_32
      let t = s1 << 9
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21)

      r = Math.imul(s1, 5)
      const y = (Math.imul((r << 7) | (r >>> 25), 9) >>> 0) / TWO_POW_32
      t = s1 << 9
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21)

      if (x * x + y * y < 1) inside++
    }
    done = end
    ctx?.checkpoint({ done, inside, rng: [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0] })
  }
  return inside
}

export const pi: Task<PiParams, PiInput, PiOutput, PiAcc, PiResult, PiCheckpoint> = {
  name: 'pi',
  description: 'Estimates π by Monte Carlo with a seeded PRNG: the same params give the same answer.',
  exampleParams: { samples: 100_000_000, seed: 1 },
  resultType: 'application/json',

  parseParams (raw, chunks) {
    const rec = record(raw, 'params', ['samples', 'seed'], InvalidParamsError)
    const samples = integer(rec.samples, 'params.samples', 1, PI_MAX_SAMPLES, InvalidParamsError)
    const seed = integer(rec.seed, 'params.seed', 0, UINT32_MAX, InvalidParamsError, 1)
    chunkCount(chunks, samples, 'sample')
    return { samples, seed }
  },

  chunk (params, count, index) {
    const { start, end } = piece(params.samples, count, index)
    return { seed: params.seed, index, samples: end - start }
  },

  parseOutput (raw, input) {
    const rec = record(raw, 'output', ['inside', 'samples'], InvalidOutputError)
    const samples = integer(rec.samples, 'output.samples', input.samples, input.samples, InvalidOutputError)
    const inside = integer(rec.inside, 'output.inside', 0, samples, InvalidOutputError)
    return { inside, samples }
  },

  run (raw: PiInput, ctx?: RunContext<PiCheckpoint>) {
    const rec = record(raw, 'input', ['seed', 'index', 'samples'], InvalidInputError)
    const seed = integer(rec.seed, 'input.seed', 0, UINT32_MAX, InvalidInputError)
    const index = integer(rec.index, 'input.index', 0, PI_MAX_SAMPLES - 1, InvalidInputError)
    const samples = integer(rec.samples, 'input.samples', 1, PI_MAX_SAMPLES, InvalidInputError)
    return { inside: countInside(seed, index, samples, ctx), samples }
  },
  parseCheckpoint (raw, input) {
    const rec = record(raw, 'checkpoint', ['done', 'inside', 'rng'], InvalidCheckpointError)
    const done = integer(rec.done, 'checkpoint.done', 0, input.samples, InvalidCheckpointError)
    const inside = integer(rec.inside, 'checkpoint.inside', 0, done, InvalidCheckpointError)
    if (!Array.isArray(rec.rng) || rec.rng.length !== 4) throw new InvalidCheckpointError('checkpoint.rng', 'must be an array of 4 unsigned 32-bit integers')
    const rng = rec.rng.map((word, k) => integer(word, `checkpoint.rng[${k}]`, 0, UINT32_MAX, InvalidCheckpointError)) as PiCheckpoint['rng']
    if (rng.every(word => word === 0)) throw new InvalidCheckpointError('checkpoint.rng', 'must not be all zeros (xoshiro never reaches that state)')
    return { done, inside, rng }
  },

  init () {
    return { inside: 0, samples: 0 }
  },

  reduce (acc, output) {
    return { inside: acc.inside + output.inside, samples: acc.samples + output.samples }
  },

  finalize (acc) {
    return { pi: (4 * acc.inside) / acc.samples, inside: acc.inside, samples: acc.samples }
  },

  same (a, b) {
    return a.inside === b.inside && a.samples === b.samples
  }
}
