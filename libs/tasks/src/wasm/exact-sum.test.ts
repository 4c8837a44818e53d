import { describe, expect, it } from 'vitest'

import { addExact, exactSum } from './exact-sum.js'

const sumOf = (values: number[]): number => exactSum(values.reduce((p, v) => addExact(p, v), [] as number[]))

describe('exact sums', () => {
  it('are exact where adding in order is not', () => {
    expect(sumOf([1e100, 1, -1e100])).toBe(1)
    expect(sumOf(Array(10).fill(0.1))).toBe(1)
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6)
    expect(sumOf([0.1, 0.2, 0.3])).toBe(0.6)
  })

  it('give the same result in every order', () => {
    let seed = 7
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
    const values = Array.from({ length: 2000 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 30 - 15))
    const first = sumOf(values)
    for (let round = 0; round < 5; round++) {
      const shuffled = [...values].sort(() => random() - 0.5)
      expect(sumOf(shuffled)).toBe(first)
    }
    expect(sumOf([])).toBe(0)
  })
})
