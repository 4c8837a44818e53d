import { describe, expect, it } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import type { Lease } from '@cycleshare/protocol'
import type { JobView } from './index.js'
import { harness, ok } from './testing/fake-tasks.js'

/** Leases everything and completes it honestly, in batches of `slots`. */
function drain (scheduler: ReturnType<typeof harness>['scheduler'], worker: string, slots: number): number {
  let batches = 0
  for (let grants = scheduler.lease(worker, slots); grants.length > 0; grants = scheduler.lease(worker, slots)) {
    const { accepted, rejected } = scheduler.complete(worker, grants.map(g => ok(g)))
    expect(rejected).toEqual([])
    expect(accepted).toEqual(grants.map(g => g.leaseId))
    batches++
  }
  return batches
}

describe('lease and complete', () => {
  it('aggregates to the exact result', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 10_000 })
    const jobs: JobView[] = []
    scheduler.on('job', job => jobs.push(job))
    const job = scheduler.submit({ task: 'sum', params: { n: 1_000_003 }, chunks: 97 })

    const first = scheduler.lease('w1', 4)
    expect(first.map(({ leaseId, ...g }) => g)).toEqual([0, 1, 2, 3].map(index => ({
      jobId: job.id,
      index,
      attempt: 1,
      epoch: 1,
      task: 'sum',
      input: { from: Math.floor(1_000_003 * index / 97) + 1, to: Math.floor(1_000_003 * (index + 1) / 97) },
      ttlMs: 10_000
    })))
    expect(new Set(first.map(g => g.leaseId)).size).toBe(4)
    expect(scheduler.get(job.id).status).toBe('running')
    scheduler.complete('w1', first.map(g => ok(g)))
    expect(scheduler.get(job.id).progress).toEqual({ done: 4, total: 97 })

    clock.now += 5
    expect(drain(scheduler, 'w1', 10)).toBe(10)
    const done = scheduler.get(job.id)
    expect(done).toMatchObject({ status: 'done', progress: { done: 97, total: 97 }, finishedAt: new Date(clock.now).toISOString() })
    expect(done.error).toBeUndefined()
    expect(scheduler.result(job.id)).toEqual({ type: 'application/json', value: { sum: 1_000_003 * 1_000_004 / 2 } })
    expect(scheduler.pending()).toEqual({ pending: 0, tasks: [] })
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'w1', chunksDone: 97, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 }])

    // one event per status change and one per batch of progress
    expect(jobs.map(j => `${j.status}:${j.progress.done}`)).toEqual([
      'queued:0', 'running:0', 'running:4',
      ...[14, 24, 34, 44, 54, 64, 74, 84, 94].map(n => `running:${n}`), 'done:97'
    ])
  })

  it('gives nothing when there is nothing, or no task the worker takes', () => {
    const { scheduler } = harness()
    expect(scheduler.lease('w1', 5)).toEqual([])
    scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2 })
    expect(scheduler.lease('w1', 5, ['tally'])).toEqual([])
    expect(scheduler.lease('w1', 0)).toEqual([])
    expect(scheduler.lease('w1', 5, ['tally', 'sum']).map(g => g.index)).toEqual([0, 1])
    expect(() => scheduler.lease('', 1)).toThrow(TypeError)
    expect(() => scheduler.lease('w1', -1)).toThrow(RangeError)
  })

  it('shares slots round-robin, so a huge job never starves a small one', () => {
    const { scheduler } = harness()
    const huge = scheduler.submit({ task: 'sum', params: { n: 1e9 }, chunks: 1_000_000 })
    const small = scheduler.submit({ task: 'tally', params: {}, chunks: 3 })
    const taken = (grants: Lease[]): string[] => grants.map(g => `${g.jobId === huge.id ? 'huge' : 'small'}${g.index}`)

    expect(taken(scheduler.lease('w1', 4))).toEqual(['huge0', 'huge1', 'small0', 'small1'])
    // one slot at a time still alternates: each call's round starts after the job served last
    expect(taken(scheduler.lease('w1', 1))).toEqual(['huge2'])
    expect(taken(scheduler.lease('w2', 1))).toEqual(['small2'])
    expect(taken(scheduler.lease('w2', 1))).toEqual(['huge3'])
    // the small job is all out: the rest goes to the huge one
    expect(taken(scheduler.lease('w2', 3))).toEqual(['huge4', 'huge5', 'huge6'])
    expect(scheduler.get(small.id).status).toBe('running')
  })

  it('gives priority 2 about twice the chunks of priority 1 while both have work', () => {
    const { scheduler } = harness()
    const low = scheduler.submit({ task: 'sum', params: { n: 1e6 }, chunks: 1_000 })
    const high = scheduler.submit({ task: 'tally', params: {}, chunks: 1_000, priority: 2 })
    expect(high.options.priority).toBe(2)
    const taken = { [low.id]: 0, [high.id]: 0 }
    for (let i = 0; i < 300; i++) for (const g of scheduler.lease(`w${i % 7}`, 1 + (i % 3))) taken[g.jobId]++
    expect(taken[high.id] / taken[low.id]).toBeCloseTo(2, 1)
  })

  it('starts a new job level with the others, so it neither starves nor floods them', () => {
    const { scheduler } = harness()
    const huge = scheduler.submit({ task: 'sum', params: { n: 1e9 }, chunks: 1_000_000 })
    for (let i = 0; i < 100; i++) scheduler.lease('w1', 5)
    const small = scheduler.submit({ task: 'tally', params: {}, chunks: 50 })
    const order = scheduler.lease('w2', 6).map(g => g.jobId === huge.id ? 'huge' : 'small')
    expect(order.sort()).toEqual(['huge', 'huge', 'huge', 'small', 'small', 'small'])
    expect(scheduler.get(small.id).status).toBe('running')
  })

  it('leases returned chunks before new ones', () => {
    const { scheduler } = harness()
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const grants = scheduler.lease('w1', 3)
    expect(scheduler.release('w1', [grants[2].leaseId, grants[0].leaseId])).toEqual([grants[2].leaseId, grants[0].leaseId])
    const again = scheduler.lease('w2', 3)
    expect(again.map(g => [g.index, g.attempt])).toEqual([[0, 2], [2, 2], [3, 1]])
    expect(again[0].input).toEqual(grants[0].input)
  })
})

describe('renew', () => {
  it('extends only live leases held by that worker', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const [a, b, c] = scheduler.lease('w1', 3)
    scheduler.complete('w1', [ok(c)])

    clock.now += 900
    expect(scheduler.renew('w1', [a.leaseId, b.leaseId, c.leaseId, 'nope'])).toEqual({
      renewed: [a.leaseId, b.leaseId], lost: [c.leaseId, 'nope'], ttlMs: 1_000, refused: []
    })
    expect(scheduler.renew('w2', [a.leaseId])).toEqual({ renewed: [], lost: [a.leaseId], ttlMs: 1_000, refused: [] })

    clock.now += 900 // past the first deadline, within the renewed one
    expect(scheduler.expire()).toBe(0)
    clock.now += 100 // exactly the renewed deadline: expired
    expect(scheduler.renew('w1', [a.leaseId])).toEqual({ renewed: [], lost: [a.leaseId], ttlMs: 1_000, refused: [] })
    expect(scheduler.expire()).toBe(2)

    scheduler.cancel(job.id)
    const [d] = scheduler.lease('w1', 1)
    expect(d).toBeUndefined()
  })
})

describe('expire', () => {
  it('reissues expired leases with the next attempt', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const work: number[] = []
    scheduler.on('work', pending => work.push(pending))
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    expect(work).toEqual([4])
    const grants = scheduler.lease('w1', 3)
    expect(scheduler.pending().pending).toBe(1)

    clock.now += 999
    expect(scheduler.expire()).toBe(0)
    expect(work).toEqual([4])
    clock.now += 1
    expect(scheduler.expire()).toBe(3)
    expect(work).toEqual([4, 4])
    expect(scheduler.pending()).toEqual({ pending: 4, tasks: ['sum'] })

    const reissued = scheduler.lease('w2', 4)
    expect(reissued.map(g => [g.index, g.attempt])).toEqual([[0, 2], [1, 2], [2, 2], [3, 1]])
    expect(reissued.map(g => g.leaseId)).not.toContain(grants[0].leaseId)
    expect(scheduler.expire(clock.now + 1_000)).toBe(4)
    expect(scheduler.lease('w3', 1)[0]).toMatchObject({ index: 0, attempt: 3 })
  })

  it('expires big batches whole: each chunk of a batch has its own copy', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100_000 }, chunks: 1_000 })
    const first = scheduler.lease('w1', 300) // written as 128 + 128 + 32 + 8 + 4 rows
    expect(first.map(g => [g.index, g.attempt])).toEqual(Array.from({ length: 300 }, (_, i) => [i, 1]))
    expect(new Set(first.map(g => g.leaseId)).size).toBe(300)
    clock.now += 1_000
    expect(scheduler.expire()).toBe(300)

    const second = scheduler.lease('w2', 1_000)
    expect(second.map(g => [g.index, g.attempt])).toEqual([
      ...first.map(g => [g.index, 2]),
      ...Array.from({ length: 700 }, (_, i) => [300 + i, 1])
    ])
    const revoked: string[] = []
    scheduler.on('revoke', (_worker, ids) => revoked.push(...ids))
    // the expired attempts' late results win; the reissued copies are revoked, their results judged
    expect(scheduler.complete('w1', first.map(g => ok(g))).accepted).toHaveLength(300)
    expect(revoked).toEqual(second.slice(0, 300).map(g => g.leaseId))
    expect(scheduler.complete('w2', second.map(g => ok(g))).accepted).toHaveLength(1_000)
    expect(scheduler.result(job.id).value).toEqual({ sum: 5_000_050_000 })
    expect(counts(scheduler.workerStats())).toEqual([
      { worker: 'w1', chunksDone: 300, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 },
      { worker: 'w2', chunksDone: 1_000, chunksFailed: 0, valid: 300, invalid: 0, creditMs: 0 } // 700 accepted, 300 agreeing late
    ])
  })

  it('runs on a timer once started', async () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000, expireIntervalMs: 5 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    scheduler.lease('w1', 2)
    const reissued = new Promise<number>(resolve => scheduler.on('work', resolve))
    scheduler.start()
    clock.now += 1_000 // after start, which renews every live lease
    expect(await reissued).toBe(4)
    scheduler.close()
  })

  it('gives live leases a fresh deadline on start', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    const [a] = scheduler.lease('w1', 1)
    clock.now += 5_000 // as if the coordinator had been down
    scheduler.start()
    expect(scheduler.expire()).toBe(0)
    expect(scheduler.renew('w1', [a.leaseId]).renewed).toEqual([a.leaseId])
    scheduler.close()
  })
})

describe('release', () => {
  it('returns unfinished chunks without counting a failed attempt', () => {
    const { scheduler } = harness({ maxAttempts: 1 })
    const work: number[] = []
    scheduler.on('work', pending => work.push(pending))
    const job = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2 })
    const [a, b] = scheduler.lease('w1', 2)
    expect(scheduler.release('w2', [a.leaseId])).toEqual([]) // not w2's
    expect(scheduler.release('w1', [a.leaseId, 'nope'])).toEqual([a.leaseId])
    expect(scheduler.release('w1', [a.leaseId])).toEqual([]) // already back
    expect(work).toEqual([2, 1])
    expect(scheduler.renew('w1', [a.leaseId]).lost).toEqual([a.leaseId])

    for (let i = 0; i < 3; i++) {
      const [again] = scheduler.lease('w1', 1)
      expect(again).toMatchObject({ index: 0, attempt: i + 2 })
      scheduler.release('w1', [again.leaseId])
    }
    expect(scheduler.get(job.id).status).toBe('running')
    // a result of a released lease still counts: the chunk is not done yet
    expect(scheduler.complete('w1', [ok(a), ok(b)]).accepted).toEqual([a.leaseId, b.leaseId])
    expect(scheduler.result(job.id).value).toEqual({ sum: 55 })
    expect(scheduler.pending().pending).toBe(0)
  })
})
