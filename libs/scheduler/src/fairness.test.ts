import { describe, expect, it } from 'vitest'
import { allocateRoundRobin } from './fairness.js'

describe('allocateRoundRobin', () => {
  const jobs = [{ key: 1, available: 100 }, { key: 2, available: 1 }, { key: 5, available: 3 }]

  it('deals one slot per job per round, oldest first', () => {
    expect([...allocateRoundRobin(jobs, 6, 0).counts]).toEqual([[1, 3], [2, 1], [5, 2]])
    expect(allocateRoundRobin(jobs, 6, 0).last).toBe(1)
  })

  it('starts the round after the job served last', () => {
    expect(allocateRoundRobin(jobs, 1, 1)).toEqual({ counts: new Map([[2, 1]]), last: 2 })
    expect(allocateRoundRobin(jobs, 1, 2)).toEqual({ counts: new Map([[5, 1]]), last: 5 })
    expect(allocateRoundRobin(jobs, 1, 5)).toEqual({ counts: new Map([[1, 1]]), last: 1 })
    expect(allocateRoundRobin(jobs, 2, 3)).toEqual({ counts: new Map([[5, 1], [1, 1]]), last: 1 })
  })

  it('stops when every job is out of chunks', () => {
    expect([...allocateRoundRobin([{ key: 1, available: 2 }, { key: 2, available: 1 }], 10, 0).counts]).toEqual([[1, 2], [2, 1]])
    expect(allocateRoundRobin([], 10, 0)).toEqual({ counts: new Map(), last: 0 })
    expect(allocateRoundRobin(jobs, 0, 0).counts.size).toBe(0)
  })
})
