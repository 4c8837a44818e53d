import { describe, expect, it } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import type { ChunkResult, Lease } from '@cycleshare/protocol'
import { harness, ok } from './testing/fake-tasks.js'

const fail = (g: Lease): ChunkResult => ({ leaseId: g.leaseId, ok: false, error: { name: 'RangeError', message: 'boom' } })

describe('retries', () => {
  it('send a failed chunk to another worker first', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2 })
    const [a] = scheduler.lease('w1', 1)
    scheduler.complete('w1', [fail(a)])
    expect(scheduler.lease('w1', 2).map(g => [g.index, g.attempt])).toEqual([[1, 1]]) // not chunk 0 again
    const [b] = scheduler.lease('w2', 2)
    expect([b.index, b.attempt]).toEqual([0, 2])
    scheduler.complete('w2', [ok(b)])
    expect(scheduler.get(job.id).progress.done).toBe(1)
  })

  it('give it back to the same worker once it has waited sameWorkerRetryMs with no other taker', () => {
    const { scheduler, clock } = harness({ sameWorkerRetryMs: 5_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1 })
    const [a] = scheduler.lease('alone', 1)
    scheduler.complete('alone', [fail(a)])
    expect(scheduler.pending().pending).toBe(1)
    clock.now += 4_999
    expect(scheduler.lease('alone', 1)).toEqual([])
    clock.now += 1
    const [b] = scheduler.lease('alone', 1)
    expect([b.index, b.attempt]).toEqual([0, 2])
    scheduler.complete('alone', [ok(b)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'alone', chunksDone: 1, chunksFailed: 1, valid: 0, invalid: 0, creditMs: 0 }])
  })
})

describe('chunk timeout', () => {
  it('tells the worker, and counts a copy renewed past 2 × timeout + ttl as a failed result', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 10_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, chunkTimeoutMs: 1_000, maxAttempts: 2 })
    expect(job.options).toEqual({ replication: 1, quorum: 1, maxAttempts: 2, chunkTimeoutMs: 1_000, priority: 1 })
    const [a] = scheduler.lease('slow', 1)
    expect(a.timeoutMs).toBe(1_000)
    clock.now += 9_000
    expect(scheduler.renew('slow', [a.leaseId]).renewed).toEqual([a.leaseId]) // deadline now at 12 s, not 19 s
    clock.now += 2_999
    expect(scheduler.expire()).toBe(0)
    clock.now += 1
    expect(scheduler.expire()).toBe(1)
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'slow', chunksFailed: 1, chunksDone: 0, valid: 0, invalid: 0, creditMs: 0 }])
    expect(scheduler.renew('slow', [a.leaseId]).lost).toEqual([a.leaseId])
    // a report after it was counted as failed is a duplicate
    expect(scheduler.complete('slow', [ok(a)]).accepted).toEqual([a.leaseId])
    expect(scheduler.get(job.id).progress.done).toBe(0)

    const [b] = scheduler.lease('other', 1)
    expect([b.attempt, b.timeoutMs]).toEqual([2, 1_000])
    clock.now += 12_000
    expect(scheduler.renew('other', [b.leaseId]).lost).toEqual([b.leaseId]) // its deadline is also its overrun
    expect(scheduler.expire()).toBe(1)
    expect(scheduler.get(job.id)).toMatchObject({
      status: 'failed', error: 'chunk 0 of sum failed 2 times: TaskTimeoutError: chunk ran past its timeout of 1000 ms'
    })
  })

  it('does not count a copy that simply expired before its overrun', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, chunkTimeoutMs: 1_000, maxAttempts: 1 })
    scheduler.lease('gone', 1)
    clock.now += 1_000
    expect(scheduler.expire()).toBe(1)
    expect(counts(scheduler.workerStats())).toEqual([])
    expect(scheduler.lease('w2', 1)).toMatchObject([{ index: 0, attempt: 2 }])
  })
})
