import { describe, expect, it } from 'vitest'
import type { ChunkResult, Lease } from '@cycleshare/protocol'
import { Histogram } from './stats.js'
import { harness, ok } from './testing/fake-tasks.js'

const fail = (g: Lease): ChunkResult => ({ leaseId: g.leaseId, ok: false, error: { name: 'RangeError', message: 'boom' } })

describe('scheduler stats', () => {
  it('counts leases, counted and failed results, reissues and transfers, and times results from their lease', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 6 })
    const [a, b, c] = scheduler.lease('w1', 3)
    const [d, e] = scheduler.lease('w2', 2)
    clock.now += 40
    scheduler.complete('w1', [ok(a), fail(b)])
    scheduler.complete('w1', [ok(a)]) // a duplicate counts nothing
    scheduler.release('w2', [d.leaseId])
    expect(scheduler.transfer('w2', [{ leaseId: e.leaseId, epoch: 1, from: 'w2', to: 'w3' }]).moved).toHaveLength(1)
    clock.now += 2_000
    expect(scheduler.expire()).toBe(2) // c on w1 and e, now on w3
    const stats = scheduler.stats()
    expect({ leased: stats.leased, completed: stats.completed, failed: stats.failed, reissued: stats.reissued, transferred: stats.transferred })
      .toEqual({ leased: 5, completed: 1, failed: 1, reissued: 3, transferred: 1 })
    // a counted 40 ms after its lease: in the ≤ 50 ms bucket (b failed: no result to time).
    expect(stats.resultLatencyMs).toMatchObject({ count: 1, sum: 40 })
    expect(stats.resultLatencyMs.cumulative.slice(0, 3)).toEqual([0, 1, 1])
    expect(stats.writeMs.count).toBeGreaterThanOrEqual(7)
  })

  it('counts nothing for a write that rolled back', () => {
    const { scheduler } = harness()
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1 })
    const [a] = scheduler.lease('w1', 1)
    expect(() => scheduler.complete('', [ok(a)])).toThrow('worker must be a non-empty string')
    expect(scheduler.stats()).toMatchObject({ leased: 1, completed: 0, failed: 0 })
  })
})

describe('histogram', () => {
  it('puts each value in the first bucket whose bound holds it, cumulative, with +Inf last', () => {
    const h = new Histogram([1, 10])
    for (const v of [0, 1, 1.5, 10, 11, 1e9]) h.observe(v)
    expect(h.snapshot()).toEqual({ bounds: [1, 10], cumulative: [2, 4, 6], sum: 0 + 1 + 1.5 + 10 + 11 + 1e9, count: 6 })
  })
})
