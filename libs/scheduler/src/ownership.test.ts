import { describe, expect, it } from 'vitest'
import { harness, ok } from './testing/fake-tasks.js'

describe('lease ownership', () => {
  it('refuses a report from a peer that does not hold the lease, and changes nothing', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    const grants = scheduler.lease('holder', 4)
    const jobs: string[] = []
    scheduler.on('job', j => jobs.push(`${j.status}:${j.progress.done}`))

    const forged = scheduler.complete('intruder', grants.map(g => ok(g, 0)))
    expect(forged.accepted).toEqual([])
    expect(forged.rejected).toEqual(grants.map(g => ({ leaseId: g.leaseId, reason: 'not the holder of this lease' })))
    expect(scheduler.get(job.id).progress).toEqual({ done: 0, total: 4 })
    expect(jobs).toEqual([])
    expect(scheduler.workerStats()).toEqual([])
    expect(scheduler.held('holder')).toBe(4)

    // the holder's own results still count, and the answer is exact
    expect(scheduler.complete('holder', grants.map(g => ok(g))).accepted).toEqual(grants.map(g => g.leaseId))
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
  })

  it('refuses a non-holder on replicated chunks too: its vote is never counted', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1, replication: 2 })
    const [a] = scheduler.lease('a', 1)
    const [b] = scheduler.lease('b', 1)
    // `a` reports both copies, the second one as if it were `b`'s
    expect(scheduler.complete('a', [ok(a), ok(b)]).rejected).toEqual([{ leaseId: b.leaseId, reason: 'not the holder of this lease' }])
    expect(scheduler.get(job.id).status).toBe('running')
    expect(scheduler.complete('b', [ok(b)]).accepted).toEqual([b.leaseId])
    expect(scheduler.result(job.id).value).toEqual({ sum: 55 })
  })
})

describe('held leases', () => {
  it('counts each worker\'s live leases through lease, report, release, expiry and cancel, with an event per change', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const events: string[] = []
    scheduler.on('held', (worker, held) => events.push(`${worker}=${held}`))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })

    const a = scheduler.lease('a', 4)
    const b = scheduler.lease('b', 3)
    expect([scheduler.held('a'), scheduler.held('b'), scheduler.held('c')]).toEqual([4, 3, 0])

    scheduler.complete('a', a.slice(0, 2).map(g => ok(g)))
    expect(scheduler.held('a')).toBe(2)
    expect(scheduler.release('a', [a[2].leaseId])).toEqual([a[2].leaseId])
    expect(scheduler.held('a')).toBe(1)

    clock.now += 1_000
    expect(scheduler.expire()).toBe(4) // a[3] and b's three
    expect([scheduler.held('a'), scheduler.held('b')]).toEqual([0, 0])

    scheduler.lease('c', 5)
    expect(scheduler.held('c')).toBe(5)
    scheduler.cancel(job.id)
    expect(scheduler.held('c')).toBe(0)

    expect(events).toEqual(['a=4', 'b=3', 'a=2', 'a=1', 'a=0', 'b=0', 'c=5', 'c=0'])
  })

  it('counts each lease once when its job fails during an expiry pass', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    // one result per chunk, and a timeout its worker overruns: the first overrun fails the job
    const doomed = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 3, maxAttempts: 1, chunkTimeoutMs: 100 })
    scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    const leases = scheduler.lease('w', 4)
    expect(scheduler.held('w')).toBe(4)
    clock.now += 900
    expect(scheduler.renew('w', leases.map(l => l.leaseId)).renewed).toHaveLength(4) // the doomed three only to their overrun
    clock.now += 300
    expect(scheduler.expire()).toBe(3)
    expect(scheduler.get(doomed.id).status).toBe('failed')
    expect(scheduler.held('w')).toBe(1) // the other job's lease
  })

  it('rebuilds the counts from the store after a restart', () => {
    const path = `/tmp/cycleshare-held-${process.pid}-${Date.now()}.db`
    const first = harness({}, path)
    first.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    first.scheduler.lease('a', 3)
    first.scheduler.lease('b', 2)
    first.scheduler.close()
    const second = harness({}, path, first.clock)
    expect([second.scheduler.held('a'), second.scheduler.held('b')]).toEqual([3, 2])
    second.scheduler.close()
  })
})
