import { describe, expect, it } from 'vitest'

import { taskCompliance } from './compliance.suite.js'
import { countInside, pi, type PiInput, type PiOutput, seedState } from './pi.js'

/** xoshiro128** as its authors wrote it (prng.di.unimi.it), to check the inlined loop against. */
function referenceInside (seed: number, index: number, samples: number): number {
  const s = seedState(seed, index)
  const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0
    const t = (s[1] << 9) >>> 0
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11)
    return result
  }
  let inside = 0
  for (let i = 0; i < samples; i++) {
    const x = next() / 2 ** 32
    const y = next() / 2 ** 32
    if (x * x + y * y < 1) inside++
  }
  return inside
}

function estimate (raw: unknown, chunks: number): { pi: number, inside: number, samples: number } {
  const params = pi.parseParams(raw, chunks)
  let acc = pi.init(params, chunks)
  for (let index = 0; index < chunks; index++) {
    acc = pi.reduce(acc, pi.run(pi.chunk(params, chunks, index)) as PiOutput, index, params, chunks)
  }
  return pi.finalize(acc, params, chunks)
}

describe('pi', () => {
  it('estimates π within 0.01 from 10^7 samples', () => {
    const result = estimate({ samples: 10_000_000, seed: 1 }, 8)
    expect(result.samples).toBe(10_000_000)
    expect(Math.abs(result.pi - Math.PI)).toBeLessThan(0.01)
    expect(result.pi).toBe((4 * result.inside) / result.samples)
  })

  it('gives the same answer to the bit for the same job, and a pinned one for a fixed job', () => {
    expect(estimate({ samples: 1_000_000, seed: 7 }, 4)).toEqual(estimate({ samples: 1_000_000, seed: 7 }, 4))
    // Pinned: a change here means old and new workers would disagree in quorum.
    expect(estimate({ samples: 1_000_000 }, 4)).toEqual({ pi: 3.140116, inside: 785_029, samples: 1_000_000 })
  })

  it('runs xoshiro128** exactly as the reference does', () => {
    for (const [seed, index] of [[1, 0], [1, 1], [0, 0], [0xffff_ffff, 5], [42, 2 ** 32 + 3]]) {
      expect(countInside(seed, index, 20_000)).toBe(referenceInside(seed, index, 20_000))
    }
  })

  it('seeds each chunk differently, including indices past 2^32', () => {
    const states = [[1, 0], [1, 1], [2, 0], [1, 2 ** 32], [1, 2 ** 33]].map(([s, i]) => Array.from(seedState(s, i)).join())
    expect(new Set(states).size).toBe(states.length)
  })

  it('gives each chunk its share of the samples and its own index', () => {
    const params = pi.parseParams({ samples: 10, seed: 3 }, 4)
    expect([0, 1, 2, 3].map((i) => pi.chunk(params, 4, i))).toEqual([
      { seed: 3, index: 0, samples: 3 }, { seed: 3, index: 1, samples: 3 },
      { seed: 3, index: 2, samples: 2 }, { seed: 3, index: 3, samples: 2 }
    ])
  })

  it('defaults the seed to 1 and rejects bad params naming the field', () => {
    expect(pi.parseParams({ samples: 5 }, 1)).toEqual({ samples: 5, seed: 1 })
    const bad: Array<[unknown, number, string]> = [
      [{}, 1, 'params.samples'],
      [{ samples: 0 }, 1, 'params.samples'],
      [{ samples: 1e12 + 1 }, 1, 'params.samples'],
      [{ samples: 2.5 }, 1, 'params.samples'],
      [{ samples: 10, seed: -1 }, 1, 'params.seed'],
      [{ samples: 10, seed: 2 ** 32 }, 1, 'params.seed'],
      [{ samples: 10, seed: 'a' }, 1, 'params.seed'],
      [{ samples: 10 }, 11, 'chunks']
    ]
    for (const [raw, chunks, field] of bad) {
      expect(() => pi.parseParams(raw, chunks), field).toThrow(expect.objectContaining({ name: 'InvalidParamsError', field }))
    }
  })
})

const runningTotals = (inputs: readonly PiInput[]): Array<[number, number]> => {
  let start = 0
  return inputs.map((input, index) => {
    expect(input.index).toBe(index)
    const span: [number, number] = [start, start + input.samples]
    start += input.samples
    return span
  })
}

taskCompliance(pi, {
  cases: [
    {
      name: '10^6 samples in 6 chunks',
      params: { samples: 1_000_000, seed: 9 },
      chunks: 6,
      spans: runningTotals,
      total: ({ samples }) => [0, samples],
      check: (result) => {
        expect(result.samples).toBe(1_000_000)
        expect(Math.abs(result.pi - Math.PI)).toBeLessThan(0.02)
      }
    },
    {
      name: 'one sample per chunk',
      params: { samples: 13 },
      chunks: 13,
      spans: runningTotals,
      total: ({ samples }) => [0, samples],
      check: (result) => expect(result.samples).toBe(13)
    }
  ],
  lazy: { params: { samples: 1e12 }, chunks: 1_000_000 },
  invalidParams: [{ params: { samples: 3 }, chunks: 4, field: 'chunks' }],
  invalidOutputs: (valid, input) => [
    { output: { inside: 0 }, field: 'output.samples' },
    { output: { ...valid, samples: input.samples + 1 }, field: 'output.samples' },
    { output: { ...valid, inside: input.samples + 1 }, field: 'output.inside' },
    { output: { ...valid, inside: -1 }, field: 'output.inside' },
    { output: { ...valid, inside: 0.5 }, field: 'output.inside' }
  ],
  tamper: (valid) => ({ ...valid, inside: valid.inside === 0 ? 1 : valid.inside - 1 }),
  // A chunk of 10,000,000 points: checkpoints after 4,194,304, 8,388,608 and all of them.
  checkpoints: {
    params: { samples: 20_000_000, seed: 7 },
    chunks: 2,
    index: 1,
    invalid: (valid, input) => [
      { checkpoint: { ...valid, done: input.samples + 1 }, field: 'checkpoint.done' },
      { checkpoint: { ...valid, done: -1 }, field: 'checkpoint.done' },
      { checkpoint: { ...valid, inside: valid.done + 1 }, field: 'checkpoint.inside' },
      { checkpoint: { ...valid, rng: [1, 2, 3] }, field: 'checkpoint.rng' },
      { checkpoint: { ...valid, rng: 'abcd' }, field: 'checkpoint.rng' },
      { checkpoint: { ...valid, rng: [1, 2, 3, 2 ** 32] }, field: 'checkpoint.rng[3]' },
      { checkpoint: { ...valid, rng: [0, 0, 0, 0] }, field: 'checkpoint.rng' }
    ]
  }
})
