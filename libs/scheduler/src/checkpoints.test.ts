import { describe, expect, it } from 'vitest'
import { MAX_CHECKPOINT_BYTES, type Lease } from '@cycleshare/protocol'
import { probe } from '@cycleshare/tasks'
import { createScheduler } from './scheduler.js'
import { createMemoryStore } from './memory/store.js'
import { harness, ok, sumUpTo } from './testing/fake-tasks.js'

const NOT_HELD = 'not the holder of this lease'

/** A `sum` job of 4 chunks (chunk 0 adds 1..25) with leases of 1 s. */
function started () {
  const h = harness({ leaseTtlMs: 1_000 })
  const job = h.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
  return { ...h, job }
}

describe('checkpoints with renewals', () => {
  it('reissue an expired lease to another worker going on from its latest checkpoint', () => {
    const { scheduler, clock, job } = started()
    const [a] = scheduler.lease('w1', 1)
    clock.now += 500
    expect(scheduler.renew('w1', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 5) }])).toEqual({
      renewed: [a.leaseId], lost: [], ttlMs: 1_000, refused: []
    })
    clock.now += 500
    expect(scheduler.renew('w1', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 11) }]).refused).toEqual([])
    clock.now += 1_000
    expect(scheduler.expire()).toBe(1)

    const [b, ...fresh] = scheduler.lease('w2', 4)
    expect(b).toEqual({
      leaseId: b.leaseId, jobId: job.id, index: 0, attempt: 2, epoch: 1, task: 'sum', input: { from: 1, to: 25 }, ttlMs: 1_000,
      resume: { next: 11, partial: 55 }
    })
    // first copies start from the beginning
    expect(fresh.map(l => [l.index, l.attempt, 'resume' in l])).toEqual([[1, 1, false], [2, 1, false], [3, 1, false]])
    expect(scheduler.get(job.id).stats).toEqual({ backups: 0, backupWins: 0, resumed: 1, transfers: 0 })
    expect(scheduler.complete('w2', [b, ...fresh].map(l => ok(l))).accepted).toHaveLength(4)
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
  })

  it('refuse a checkpoint of a lease the sender does not hold, and keep the holder\'s', () => {
    const { scheduler, clock } = started()
    const [a] = scheduler.lease('w1', 1)
    expect(scheduler.renew('w1', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 5) }]).refused).toEqual([])
    expect(scheduler.renew('w2', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 20) }])).toEqual({
      renewed: [], lost: [a.leaseId], ttlMs: 1_000, refused: [{ leaseId: a.leaseId, reason: NOT_HELD }]
    })
    // held, but not renewed by this call; and a lease nobody was given
    expect(scheduler.renew('w1', [], [{ leaseId: a.leaseId, state: sumUpTo(a, 21) }, { leaseId: 'nope', state: sumUpTo(a, 22) }]).refused)
      .toEqual([{ leaseId: a.leaseId, reason: NOT_HELD }, { leaseId: 'nope', reason: NOT_HELD }])
    clock.now += 1_000
    expect(scheduler.renew('w1', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 23) }])).toEqual({
      renewed: [], lost: [a.leaseId], ttlMs: 1_000, refused: [{ leaseId: a.leaseId, reason: NOT_HELD }] // expired
    })
    expect(scheduler.expire()).toBe(1)
    expect(scheduler.lease('w3', 1)[0]).toMatchObject({ index: 0, attempt: 2, resume: { next: 5, partial: 10 } })
  })

  it('refuse invalid and oversize states, saying why; the latest valid one is kept', () => {
    const { scheduler, clock } = started()
    const [a] = scheduler.lease('w1', 1)
    const padded = (bytes: number): unknown => ({ ...sumUpTo(a, 7), pad: 'x'.repeat(bytes - 25) }) // 25 bytes besides the padding
    expect(scheduler.renew('w1', [a.leaseId], [
      { leaseId: a.leaseId, state: sumUpTo(a, 5) },
      { leaseId: a.leaseId, state: { next: 99, partial: 0 } },
      { leaseId: a.leaseId, state: { next: 6, partial: 1 } },
      { leaseId: a.leaseId, state: [5, 10] },
      { leaseId: a.leaseId, state: padded(MAX_CHECKPOINT_BYTES + 1) },
      { leaseId: a.leaseId, state: padded(MAX_CHECKPOINT_BYTES) },
      { leaseId: a.leaseId, state: sumUpTo(a, 7.5) },
      null as never
    ]).refused).toEqual([
      { leaseId: a.leaseId, reason: 'checkpoint.next must be an integer from 1 to 26' },
      { leaseId: a.leaseId, reason: 'checkpoint.partial must be the sum of 1..5' },
      { leaseId: a.leaseId, reason: 'checkpoint.next must be an integer from 1 to 26' },
      { leaseId: a.leaseId, reason: 'checkpoint is 4097 bytes encoded, more than the 4096 kept' },
      { leaseId: a.leaseId, reason: 'checkpoint.next must be an integer from 1 to 26' },
      { leaseId: 'undefined', reason: 'malformed checkpoint' }
    ])
    clock.now += 1_000
    scheduler.expire()
    expect(scheduler.lease('w2', 1)[0].resume).toEqual(padded(MAX_CHECKPOINT_BYTES)) // exactly the limit is kept
  })

  it('are refused by a task that does not checkpoint', () => {
    const clock = { now: 1_700_000_000_000 }
    const scheduler = createScheduler({ store: createMemoryStore(), tasks: new Map([['probe', probe]]), clock: () => clock.now }, { leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'probe', params: {}, chunks: 2 })
    const [a, b] = scheduler.lease('w1', 2)
    expect(scheduler.renew('w1', [a.leaseId], [{ leaseId: a.leaseId, state: { next: 1 } }])).toEqual({
      renewed: [a.leaseId], lost: [], ttlMs: 1_000, refused: [{ leaseId: a.leaseId, reason: 'probe does not checkpoint' }]
    })
    expect(scheduler.release('w1', [b.leaseId], [{ leaseId: b.leaseId, state: { next: 1 } }])).toEqual([b.leaseId])
    clock.now += 1_000
    expect(scheduler.expire()).toBe(1)
    expect(scheduler.lease('w2', 2).map(l => [l.index, l.attempt, 'resume' in l])).toEqual([[0, 2, false], [1, 2, false]])
    expect(scheduler.get(job.id).stats.resumed).toBe(0)
  })

  it('of an excluded worker are refused, and the ones it sent before are dropped', () => {
    const { scheduler } = harness({ leaseTtlMs: 1_000, excludeAfterInvalid: 1 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 2, quorum: 1 })
    const [honest] = scheduler.lease('honest', 1)
    const [lie, other] = scheduler.lease('liar', 2)
    expect(scheduler.renew('liar', [other.leaseId], [{ leaseId: other.leaseId, state: sumUpTo(other, 60) }]).refused).toEqual([])
    scheduler.complete('honest', [ok(honest)])
    scheduler.complete('liar', [ok(lie, 42)]) // outvoted: excluded, its other lease lost
    expect(scheduler.exclusion('liar')).toBe('outvoted 1 times')
    expect(scheduler.renew('liar', [other.leaseId], [{ leaseId: other.leaseId, state: sumUpTo(other, 61) }])).toEqual({
      renewed: [], lost: [other.leaseId], ttlMs: 1_000, refused: [{ leaseId: other.leaseId, reason: 'worker excluded: outvoted 1 times' }]
    })
    const [again] = scheduler.lease('w3', 2)
    expect([again.index, again.attempt, 'resume' in again]).toEqual([1, 2, false])
  })
})

describe('checkpoints with releases', () => {
  it('are kept for the copy reissued after the release, and carried on along its lineage', () => {
    const { scheduler, clock, job } = started()
    const [a, b] = scheduler.lease('w1', 2)
    expect(scheduler.release('w1', [a.leaseId], [
      { leaseId: a.leaseId, state: sumUpTo(a, 3) },
      { leaseId: b.leaseId, state: sumUpTo(b, 30) } // not released: not kept
    ])).toEqual([a.leaseId])
    const [c] = scheduler.lease('w2', 1)
    expect(c).toMatchObject({ index: 0, attempt: 2, resume: { next: 3, partial: 3 } })
    // c dies before checkpointing further: its own replacement still goes on from a's state
    clock.now += 1_000
    expect(scheduler.expire()).toBe(2)
    const reissued: Lease[] = scheduler.lease('w3', 2)
    expect(reissued.map(l => [l.index, l.attempt, l.resume])).toEqual([[0, 3, { next: 3, partial: 3 }], [1, 2, undefined]])
    expect('resume' in reissued[1]).toBe(false)
    expect(scheduler.get(job.id).stats).toEqual({ backups: 0, backupWins: 0, resumed: 2, transfers: 0 })
  })

  it('drop an invalid checkpoint: the reissued copy starts from the beginning', () => {
    const { scheduler } = started()
    const [a] = scheduler.lease('w1', 1)
    expect(scheduler.release('w1', [a.leaseId], [{ leaseId: a.leaseId, state: { next: 3, partial: 4 } }])).toEqual([a.leaseId])
    expect(scheduler.release('w2', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 3) }])).toEqual([]) // not w2's
    const [b] = scheduler.lease('w2', 1)
    expect([b.index, b.attempt, 'resume' in b]).toEqual([0, 2, false])
    expect(() => scheduler.release('w1', [], {} as never)).toThrow('checkpoints must be an array of { leaseId, state }')
  })
})

describe('checkpoints of replicated chunks', () => {
  it('go on along each copy\'s own lineage: a lost copy\'s replacement never resumes from another copy\'s state', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 2 })
    const [a] = scheduler.lease('A', 1)
    const [b] = scheduler.lease('B', 1)
    expect(scheduler.renew('A', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 40) }]).refused).toEqual([])
    expect(scheduler.renew('B', [b.leaseId], [{ leaseId: b.leaseId, state: sumUpTo(b, 70) }]).refused).toEqual([])
    clock.now += 600
    scheduler.renew('B', [b.leaseId])
    clock.now += 400
    expect(scheduler.expire()).toBe(1) // A's

    const [c] = scheduler.lease('C', 1)
    expect(c).toMatchObject({ index: 0, attempt: 3, resume: sumUpTo(a, 40) })
    expect(scheduler.lease('D', 1)).toEqual([]) // B is live: nothing else waits
    clock.now += 600
    expect(scheduler.expire()).toBe(1) // B's, renewed until now; C's runs on
    const [d] = scheduler.lease('D', 1)
    expect(d).toMatchObject({ index: 0, attempt: 4, resume: sumUpTo(b, 70) })
    expect(scheduler.get(job.id).stats.resumed).toBe(2)
    scheduler.complete('C', [ok(c)])
    scheduler.complete('D', [ok(d)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
  })

  it('seed one new copy each: of two copies lost, one with a checkpoint, one replacement resumes', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 3, quorum: 2 })
    const [a] = scheduler.lease('A', 1)
    scheduler.lease('B', 1)
    const [x] = scheduler.lease('X', 1)
    scheduler.renew('A', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 40) }])
    clock.now += 600
    scheduler.renew('X', [x.leaseId])
    clock.now += 400
    expect(scheduler.expire()).toBe(2)
    const [c] = scheduler.lease('C', 1)
    const [d] = scheduler.lease('D', 1)
    expect(c).toMatchObject({ index: 0, attempt: 4, resume: sumUpTo(a, 40) })
    expect([d.index, d.attempt, 'resume' in d]).toEqual([0, 5, false])
    expect(scheduler.get(job.id).stats).toEqual({ backups: 0, backupWins: 0, resumed: 1, transfers: 0 })
  })
})
