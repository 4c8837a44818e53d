import { describe, expect, it } from 'vitest'

import { taskCompliance } from './compliance.suite.js'
import { countPrimes, primes, type PrimesInput } from './primes.js'

function isPrimeByTrialDivision (n: number): boolean {
  if (n < 2) return false
  if (n % 2 === 0) return n === 2
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false
  return true
}

function countByTrialDivision (from: number, to: number): number {
  let count = 0
  for (let n = from; n < to; n++) if (isPrimeByTrialDivision(n)) count++
  return count
}

describe('primes', () => {
  it('counts known values of π(x)', () => {
    expect(countPrimes(0, 10)).toBe(4)
    expect(countPrimes(0, 100)).toBe(25)
    expect(countPrimes(0, 1_000_000)).toBe(78_498)
    expect(countPrimes(0, 1)).toBe(0)
    expect(countPrimes(0, 3)).toBe(1)
    expect(countPrimes(2, 3)).toBe(1)
    expect(countPrimes(3, 4)).toBe(1)
  })

  it('π(10^8) = 5,761,455 from 64 chunks run in-process', () => {
    const params = primes.parseParams({ from: 0, to: 100_000_000 }, 64)
    let acc = primes.init(params, 64)
    for (let index = 0; index < 64; index++) {
      const output = primes.run(primes.chunk(params, 64, index)) as { count: number }
      acc = primes.reduce(acc, output, index, params, 64)
    }
    expect(primes.finalize(acc, params, 64)).toEqual({ from: 0, to: 100_000_000, count: 5_761_455 })
  })

  it('agrees with trial division on small ranges, segment edges and the top of the range', () => {
    const ranges: Array<[number, number]> = [
      [0, 2], [1, 2], [2, 3], [4, 5], [0, 1000], [997, 1010], [65_530, 65_540],
      // A segment holds 32,768 odd numbers, so 65,536 numbers: cross two segment boundaries.
      [65_000, 200_000], [1_000_003, 1_000_100],
      [1e12 - 200, 1e12], [999_999_999_989 - 1, 999_999_999_989 + 1]
    ]
    for (const [from, to] of ranges) expect(countPrimes(from, to), `[${from}, ${to})`).toBe(countByTrialDivision(from, to))
    // 999,999,999,989 is the largest prime below 10^12.
    expect(countPrimes(999_999_999_989, 1e12)).toBe(1)
  })

  it('splits into contiguous chunks whose sizes differ by at most one', () => {
    const params = primes.parseParams({ from: 10, to: 33 }, 5)
    expect([0, 1, 2, 3, 4].map((i) => primes.chunk(params, 5, i))).toEqual([
      { from: 10, to: 15 }, { from: 15, to: 20 }, { from: 20, to: 25 }, { from: 25, to: 29 }, { from: 29, to: 33 }
    ])
  })

  it('defaults from to 0 and rejects bad params naming the field', () => {
    expect(primes.parseParams({ to: 10 }, 1)).toEqual({ from: 0, to: 10 })
    const bad: Array<[unknown, number, string]> = [
      [{}, 1, 'params.to'],
      [{ from: -1, to: 10 }, 1, 'params.from'],
      [{ from: 0.5, to: 10 }, 1, 'params.from'],
      [{ from: 0, to: 1e12 + 1 }, 1, 'params.to'],
      [{ from: 0, to: '10' }, 1, 'params.to'],
      [{ from: 10, to: 10 }, 1, 'params.to'],
      [{ from: 10, to: 20 }, 11, 'chunks'],
      [null, 1, 'params']
    ]
    for (const [raw, chunks, field] of bad) {
      expect(() => primes.parseParams(raw, chunks), field).toThrow(expect.objectContaining({ name: 'InvalidParamsError', field }))
    }
    expect(() => primes.parseParams({ from: 10, to: 20 }, 11)).toThrow('chunks must be at most 10')
  })
})

const topOfRange = countByTrialDivision(1e12 - 1000, 1e12)

taskCompliance(primes, {
  cases: [
    {
      name: '[0, 10^6) in 7 chunks',
      params: { from: 0, to: 1_000_000 },
      chunks: 7,
      spans: (inputs: readonly PrimesInput[]) => inputs.map(({ from, to }) => [from, to]),
      total: ({ from, to }) => [from, to],
      check: (result) => expect(result).toEqual({ from: 0, to: 1_000_000, count: 78_498 })
    },
    {
      name: 'one number per chunk',
      params: { from: 0, to: 20 },
      chunks: 20,
      spans: (inputs: readonly PrimesInput[]) => inputs.map(({ from, to }) => [from, to]),
      total: ({ from, to }) => [from, to],
      check: (result) => expect(result.count).toBe(8)
    },
    {
      name: 'the last thousand numbers below 10^12',
      params: { from: 1e12 - 1000, to: 1e12 },
      chunks: 3,
      spans: (inputs: readonly PrimesInput[]) => inputs.map(({ from, to }) => [from, to]),
      total: ({ from, to }) => [from, to],
      check: (result) => expect(result.count).toBe(topOfRange)
    }
  ],
  lazy: { params: { from: 0, to: 1e12 }, chunks: 1_000_000 },
  invalidParams: [{ params: { from: 0, to: 5 }, chunks: 6, field: 'chunks' }],
  invalidOutputs: (_valid, input) => [
    { output: {}, field: 'output.count' },
    { output: { count: -1 }, field: 'output.count' },
    { output: { count: 1.5 }, field: 'output.count' },
    { output: { count: '3' }, field: 'output.count' },
    { output: { count: Math.floor((input.to - input.from) / 2) + 2 }, field: 'output.count' }
  ],
  tamper: (valid) => ({ count: valid.count + 1 }),
  // Chunk 1 of 3 over [0, 10^6): [333,333, 666,666), six segments.
  checkpoints: {
    params: { from: 0, to: 1_000_000 },
    chunks: 3,
    index: 1,
    invalid: (valid, input) => [
      { checkpoint: { count: valid.count }, field: 'checkpoint.next' },
      { checkpoint: { ...valid, next: input.from - 1 }, field: 'checkpoint.next' },
      { checkpoint: { ...valid, next: input.to + 1 }, field: 'checkpoint.next' },
      { checkpoint: { ...valid, next: 1.5 }, field: 'checkpoint.next' },
      { checkpoint: { ...valid, count: -1 }, field: 'checkpoint.count' },
      { checkpoint: { ...valid, count: Math.floor((valid.next - input.from) / 2) + 2 }, field: 'checkpoint.count' }
    ]
  }
})
