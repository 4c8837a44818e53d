import { describe, expect, it } from 'vitest'
import { harness, ok } from './testing/fake-tasks.js'
import type { LeaseShare } from './types.js'

/** The puller has `threads`; `all` threads run every task between all the workers. */
const sharing = (threads: number, all: number): LeaseShare => ({ threads, threadsFor: () => all })

describe('a pull takes no more than its share of a job', () => {
  it('of a job with fewer chunks than slots: two workers of one thread take three each of six', () => {
    const { scheduler } = harness()
    scheduler.submit({ task: 'sum', params: { n: 60 }, chunks: 6 })
    expect(scheduler.lease('A', 10, undefined, sharing(1, 2)).map(l => l.index)).toEqual([0, 1, 2])
    // Six outstanding, three held by A: B's half is three.
    expect(scheduler.lease('B', 10, undefined, sharing(1, 2)).map(l => l.index)).toEqual([3, 4, 5])
    // A holding its half takes nothing more, even with slots free.
    expect(scheduler.lease('A', 10, undefined, sharing(1, 2))).toEqual([])
  })

  it('in proportion to threads, less what the worker holds of the job already', () => {
    const { scheduler } = harness()
    scheduler.submit({ task: 'sum', params: { n: 80 }, chunks: 8 })
    expect(scheduler.lease('A', 10, undefined, sharing(3, 4))).toHaveLength(6) // ⌈8 · 3/4⌉
    expect(scheduler.lease('B', 10, undefined, sharing(1, 4))).toHaveLength(2) // ⌈8 · 1/4⌉
    const [first] = scheduler.lease('C', 1, undefined, sharing(1, 5))
    expect(first).toBeUndefined() // nothing left to open
  })

  it('gives a worker holding none of a job at least one copy, however many share it', () => {
    const { scheduler } = harness()
    scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2 })
    expect(scheduler.lease('A', 10, undefined, sharing(1, 200))).toHaveLength(1)
    expect(scheduler.lease('B', 10, undefined, sharing(1, 200))).toHaveLength(1)
  })

  it('counts its share again as its chunks are done, and is not capped without a share', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const first = scheduler.lease('A', 10, undefined, sharing(1, 2))
    expect(first).toHaveLength(5)
    scheduler.complete('A', first.map(l => ok(l)))
    // Five outstanding, none held: ⌈5/2⌉.
    expect(scheduler.lease('A', 10, undefined, sharing(1, 2))).toHaveLength(3)
    expect(scheduler.lease('B', 10)).toHaveLength(2) // no share given: all that is left
    expect(scheduler.get(job.id).progress.done).toBe(5)
  })
})
