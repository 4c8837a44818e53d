import { describe, expect, it } from 'vitest'
import type { ChunkResult, Lease } from '@cycleshare/protocol'
import { harness, ok } from './testing/fake-tasks.js'

/** `ok` claiming `cpuMs` of CPU time. */
const claiming = (g: Lease, cpuMs: number, output?: unknown): ChunkResult => ({ ...ok(g, output), cpuMs })
const credit = (scheduler: ReturnType<typeof harness>['scheduler']): Record<string, number> =>
  Object.fromEntries(scheduler.workerStats().map(s => [s.worker, s.creditMs]))

describe('credit', () => {
  it('is the CPU time a counted result claims, held to the time its worker had the lease', () => {
    const { scheduler, clock } = harness()
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    const [a, b, c] = scheduler.lease('w1', 3)
    clock.now += 5_000
    scheduler.complete('w1', [claiming(a, 3_000), claiming(b, 9_000_000), { leaseId: c.leaseId, ok: false, error: { name: 'Error', message: 'x' }, cpuMs: 4_000 }])
    expect(credit(scheduler)).toEqual({ w1: 3_000 + 5_000 }) // the second claim is cut to the 5 s it held the lease; a failure earns nothing
    const [d] = scheduler.lease('w1', 1)
    scheduler.complete('w1', [ok(d)]) // no claim: no credit
    expect(credit(scheduler)).toEqual({ w1: 8_000 })
  })

  it('goes to every copy a quorum agreed with, each its own claim, and never to an outvoted one', () => {
    const { scheduler, clock } = harness()
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 3, quorum: 2 })
    const [a] = scheduler.lease('w1', 1)
    const [b] = scheduler.lease('liar', 1)
    const [c] = scheduler.lease('w2', 1)
    clock.now += 10_000
    scheduler.complete('w1', [claiming(a, 2_000)])
    scheduler.complete('liar', [claiming(b, 9_000, 12_345)]) // a wrong sum
    expect(credit(scheduler)).toEqual({}) // nothing is decided yet
    scheduler.complete('w2', [claiming(c, 2_500)])
    expect(credit(scheduler)).toEqual({ w1: 2_000, w2: 2_500, liar: 0 })
  })
})
