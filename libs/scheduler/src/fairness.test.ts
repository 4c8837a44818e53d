import { describe, expect, it } from 'vitest'
import { allocateStride } from './fairness.js'

describe('allocateStride', () => {
  it('deals to the smallest pass, oldest first on a tie', () => {
    const jobs = [{ key: 1, pass: 0, priority: 1, available: 100 }, { key: 2, pass: 0, priority: 1, available: 1 }, { key: 5, pass: 0, priority: 1, available: 3 }]
    const { counts, passes, last } = allocateStride(jobs, 6)
    expect([...counts]).toEqual([[1, 3], [2, 1], [5, 2]])
    expect([...passes]).toEqual([[1, 3], [2, 1], [5, 2]])
    expect(last).toBe(2) // job 1's third chunk, dealt at pass 2
    expect(jobs[0].pass).toBe(0) // candidates are not changed
  })

  it('gives priority 2 twice the chunks of priority 1', () => {
    const { counts, passes } = allocateStride([{ key: 1, pass: 0, priority: 1, available: 100 }, { key: 2, pass: 0, priority: 2, available: 100 }], 30)
    expect([...counts]).toEqual([[1, 10], [2, 20]])
    expect([...passes]).toEqual([[1, 10], [2, 10]])
  })

  it('lets a job behind catch up first', () => {
    const { counts } = allocateStride([{ key: 1, pass: 7, priority: 1, available: 100 }, { key: 2, pass: 5, priority: 1, available: 100 }], 3)
    expect([...counts]).toEqual([[2, 2], [1, 1]])
  })

  it('stops when every job is out of chunks', () => {
    const { counts } = allocateStride([{ key: 1, pass: 0, priority: 1, available: 2 }, { key: 2, pass: 0, priority: 1, available: 1 }], 10)
    expect([...counts]).toEqual([[1, 2], [2, 1]])
    expect(allocateStride([], 10).counts.size).toBe(0)
    expect(allocateStride([{ key: 1, pass: 0, priority: 1, available: 0 }], 10).counts.size).toBe(0)
    expect(allocateStride([{ key: 1, pass: 0, priority: 1, available: 5 }], 0).counts.size).toBe(0)
  })
})
