import type { Lease } from '@cycleshare/protocol'
import { describe, expect, it } from 'vitest'
import type { Link } from './link.js'
import { surplus, worthSharing } from './sharing.js'

const lease = (leaseId: string): Lease =>
  ({ leaseId, jobId: 'j', index: 0, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 1 }, ttlMs: 30_000 })

/** A link whose queue holds `n` leases, q1 first. */
const queueOf = (n: number): Link => {
  const queued = Array.from({ length: n }, (_, i) => lease(`q${i + 1}`))
  return { book: { waiting: () => queued.values() } } as unknown as Link
}

describe('sharing queued chunks', () => {
  it('offers half of what is queued beyond the chunks kept, from the end of the queue', () => {
    expect(surplus(queueOf(7), 1).map(l => l.leaseId)).toEqual(['q7', 'q6', 'q5'])
    expect(surplus(queueOf(8), 2).map(l => l.leaseId)).toEqual(['q8', 'q7', 'q6'])
  })

  it('offers nothing while fewer than two are beyond the chunks kept', () => {
    expect(surplus(queueOf(3), 2)).toEqual([])
    expect(surplus(queueOf(2), 2)).toEqual([])
    expect(surplus(queueOf(0), 1)).toEqual([])
    expect(surplus(queueOf(4), 2).map(l => l.leaseId)).toEqual(['q4'])
  })

  it('shares only what holds at least 250 ms of work at its job\'s pace', () => {
    const spare = surplus(queueOf(9), 1) // 4 leases
    expect(worthSharing(spare, () => 62)).toBe(false)
    expect(worthSharing(spare, () => 62.5)).toBe(true)
    expect(worthSharing([], () => 1_000)).toBe(false)
  })
})
