import { describe, expect, it } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import type { Lease } from '@cycleshare/protocol'
import { harness, ok, sumUpTo } from './testing/fake-tasks.js'
import type { LeaseTransfer } from './types.js'

const NOT_HELD = 'not the holder of this lease'

/** `from` hands `lease`, at `epoch`, to `to`. */
const handoff = (lease: Lease, from: string, to: string, epoch = 1): LeaseTransfer => ({ leaseId: lease.leaseId, epoch, from, to })

/** `lease` as its taker is answered it: at `epoch`, going on from `resume` when there is one. */
const at = (lease: Lease, epoch: number, resume?: unknown): Lease => resume === undefined ? { ...lease, epoch } : { ...lease, epoch, resume }

/** A `sum` job of 4 chunks (chunk 0 adds 1..25) with leases of 1 s, and every `held` event. */
function started (chunks = 4) {
  const h = harness({ leaseTtlMs: 1_000 })
  const job = h.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks })
  const held: Array<[string, number]> = []
  h.scheduler.on('held', (worker, count) => { held.push([worker, count]) })
  return { ...h, job, held }
}

describe('transfers', () => {
  it('move a lease to the taker at the next epoch: the taker renews and reports it, the giver can no longer', () => {
    const { scheduler, clock, job, held } = started()
    const [a] = scheduler.lease('A', 1)
    expect(held).toEqual([['A', 1]])
    clock.now += 300
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B')])).toEqual({ moved: [at(a, 2)], refused: [] })
    expect([scheduler.held('A'), scheduler.held('B')]).toEqual([0, 1])
    expect(held).toEqual([['A', 1], ['A', 0], ['B', 1]])
    expect(scheduler.get(job.id).stats).toEqual({ backups: 0, backupWins: 0, resumed: 0, transfers: 1 })

    // the giver is now a non-holder like any other
    expect(scheduler.renew('A', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 5) }])).toEqual({
      renewed: [], lost: [a.leaseId], ttlMs: 1_000, refused: [{ leaseId: a.leaseId, reason: NOT_HELD }]
    })
    expect(scheduler.release('A', [a.leaseId])).toEqual([])
    expect(scheduler.complete('A', [ok(a)])).toEqual({ accepted: [], rejected: [{ leaseId: a.leaseId, reason: NOT_HELD }] })
    expect([scheduler.held('A'), scheduler.held('B'), held.length]).toEqual([0, 1, 3])

    // the move renewed the deadline (to 1 300 ms after the lease): not expired at 1 000
    clock.now += 700
    expect(scheduler.expire()).toBe(0)
    expect(scheduler.renew('B', [a.leaseId]).renewed).toEqual([a.leaseId])
    expect(scheduler.complete('B', [ok(a)])).toEqual({ accepted: [a.leaseId], rejected: [] })
    expect(scheduler.held('B')).toBe(0)
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'B', chunksDone: 1, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 }])
    expect(scheduler.get(job.id).progress.done).toBe(1)
  })

  it('answer a transfer applied before as moved again, with the same epoch, counted once and keeping nothing', () => {
    const { scheduler, clock, job, held } = started()
    const [a] = scheduler.lease('A', 1)
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B')], [{ leaseId: a.leaseId, state: sumUpTo(a, 5) }]).moved)
      .toEqual([at(a, 2, sumUpTo(a, 5))])
    expect(scheduler.renew('B', [a.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 10) }]).refused).toEqual([])
    // the giver presents the same transfer, with its older state: answered with the taker's latest
    expect(scheduler.transfer('A', [handoff(a, 'A', 'B')], [{ leaseId: a.leaseId, state: sumUpTo(a, 5) }]))
      .toEqual({ moved: [at(a, 2, sumUpTo(a, 10))], refused: [] })
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B')])).toEqual({ moved: [at(a, 2, sumUpTo(a, 10))], refused: [] })
    expect(scheduler.get(job.id).stats.transfers).toBe(1)
    expect([scheduler.held('A'), scheduler.held('B')]).toEqual([0, 1])
    expect(held).toEqual([['A', 1], ['A', 0], ['B', 1]])

    clock.now += 1_000
    expect(scheduler.expire()).toBe(1)
    expect(scheduler.lease('C', 1)[0]).toMatchObject({ index: 0, attempt: 2, epoch: 1, resume: sumUpTo(a, 10) }) // the taker's
  })

  it('refuse a transfer of an old epoch once the lease has moved on', () => {
    const { scheduler, job } = started()
    const [a] = scheduler.lease('A', 1)
    expect(scheduler.transfer('A', [handoff(a, 'A', 'B')]).moved).toEqual([at(a, 2)])
    expect(scheduler.transfer('C', [handoff(a, 'B', 'C', 2)]).moved).toEqual([at(a, 3)])
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B')])).toEqual({
      moved: [], refused: [{ leaseId: a.leaseId, reason: 'not held by A at epoch 1' }]
    })
    expect(scheduler.transfer('A', [handoff(a, 'A', 'D')])).toEqual({
      moved: [], refused: [{ leaseId: a.leaseId, reason: 'not held by A at epoch 1' }]
    })
    expect([scheduler.held('A'), scheduler.held('B'), scheduler.held('C'), scheduler.held('D')]).toEqual([0, 0, 1, 0])
    expect(scheduler.get(job.id).stats.transfers).toBe(2)
    expect(scheduler.complete('C', [ok(a)]).accepted).toEqual([a.leaseId])
  })

  it('refuse a lease the giver does not hold, or not at that epoch, or that is not live, and change nothing', () => {
    const { scheduler, clock, job, held } = started()
    const [a, x] = scheduler.lease('A', 2)
    const [b] = scheduler.lease('B', 1)
    scheduler.release('A', [x.leaseId])
    const forged = a.leaseId.slice(0, -1) + (a.leaseId.endsWith('x') ? 'y' : 'x')
    held.length = 0
    expect(scheduler.transfer('A', [
      handoff(b, 'A', 'C'),
      handoff(a, 'A', 'C', 2),
      { leaseId: 'nope', epoch: 1, from: 'A', to: 'C' },
      { leaseId: forged, epoch: 1, from: 'A', to: 'C' },
      handoff(x, 'A', 'C')
    ])).toEqual({
      moved: [],
      refused: [
        { leaseId: b.leaseId, reason: 'not held by A at epoch 1' },
        { leaseId: a.leaseId, reason: 'not held by A at epoch 2' },
        { leaseId: 'nope', reason: 'unknown lease' },
        { leaseId: forged, reason: 'unknown lease' },
        { leaseId: x.leaseId, reason: 'the lease is no longer live' }
      ]
    })
    // the taker's word that the giver gave it a lease is worth no more
    expect(scheduler.transfer('C', [handoff(b, 'A', 'C')]).refused).toEqual([{ leaseId: b.leaseId, reason: 'not held by A at epoch 1' }])
    expect(scheduler.renew('B', [b.leaseId]).renewed).toEqual([b.leaseId])
    // past its deadline, not yet expired
    clock.now += 1_000
    expect(scheduler.transfer('C', [handoff(a, 'A', 'C')]).refused).toEqual([{ leaseId: a.leaseId, reason: 'the lease is no longer live' }])
    expect(held).toEqual([])
    expect([scheduler.held('A'), scheduler.held('B'), scheduler.held('C')]).toEqual([1, 1, 0])
    expect(scheduler.get(job.id).stats.transfers).toBe(0)

    scheduler.cancel(job.id)
    expect(scheduler.transfer('B', [handoff(b, 'B', 'C')]).refused).toEqual([{ leaseId: b.leaseId, reason: 'job cancelled' }])
  })

  it('refuse a sender that is neither the giver nor the taker, a transfer to the giver itself, and malformed ones', () => {
    const { scheduler, job } = started()
    const [a] = scheduler.lease('A', 1)
    expect(scheduler.transfer('C', [handoff(a, 'A', 'B')])).toEqual({
      moved: [], refused: [{ leaseId: a.leaseId, reason: 'only the giver or the taker may present a transfer' }]
    })
    expect(scheduler.transfer('A', [
      handoff(a, 'A', 'A'),
      { leaseId: a.leaseId, epoch: 0, from: 'A', to: 'B' },
      { leaseId: a.leaseId, epoch: 1, from: 'A', to: '' },
      null as never,
      { epoch: 1, from: 'A', to: 'B' } as never
    ]).refused).toEqual([
      { leaseId: a.leaseId, reason: 'the giver and the taker are the same worker' },
      { leaseId: a.leaseId, reason: 'malformed transfer' },
      { leaseId: a.leaseId, reason: 'malformed transfer' },
      { leaseId: 'undefined', reason: 'malformed transfer' },
      { leaseId: 'undefined', reason: 'malformed transfer' }
    ])
    expect(scheduler.held('A')).toBe(1)
    expect(scheduler.get(job.id).stats.transfers).toBe(0)
    // still held by A at epoch 1: the real transfer moves it
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B')]).moved).toEqual([at(a, 2)])

    expect(scheduler.transfer('B', [])).toEqual({ moved: [], refused: [] })
    expect(() => scheduler.transfer('', [])).toThrow('sender must be a non-empty string')
    expect(() => scheduler.transfer('B', {} as never)).toThrow('transfers must be an array of { leaseId, epoch, from, to }')
    expect(() => scheduler.transfer('B', [], {} as never)).toThrow('checkpoints must be an array of { leaseId, state }')
  })

  it('keep the valid checkpoint sent along: the copy reissued after the taker\'s lease expires goes on from it', () => {
    const { scheduler, clock, job } = started()
    const [a, b] = scheduler.lease('A', 2)
    scheduler.renew('A', [a.leaseId, b.leaseId], [{ leaseId: a.leaseId, state: sumUpTo(a, 5) }, { leaseId: b.leaseId, state: sumUpTo(b, 30) }])
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B'), handoff(b, 'A', 'B')], [
      { leaseId: a.leaseId, state: sumUpTo(a, 12) },
      { leaseId: b.leaseId, state: { next: 99, partial: 0 } } // invalid: dropped, the move stands
    ])).toEqual({ moved: [at(a, 2, sumUpTo(a, 12)), at(b, 2, sumUpTo(b, 30))], refused: [] }) // b goes on from the state kept before
    clock.now += 1_000
    expect(scheduler.expire()).toBe(2)
    const reissued = scheduler.lease('C', 2)
    expect(reissued.map(l => [l.index, l.attempt, l.epoch, l.resume])).toEqual([[0, 2, 1, sumUpTo(a, 12)], [1, 2, 1, sumUpTo(b, 30)]])
    expect(scheduler.get(job.id).stats).toEqual({ backups: 0, backupWins: 0, resumed: 2, transfers: 2 })
  })

  it('keep no checkpoint of a transfer refused', () => {
    const { scheduler, clock } = started()
    const [a] = scheduler.lease('A', 1)
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B', 2)], [{ leaseId: a.leaseId, state: sumUpTo(a, 12) }]).refused)
      .toEqual([{ leaseId: a.leaseId, reason: 'not held by A at epoch 2' }])
    clock.now += 1_000
    scheduler.expire()
    expect('resume' in scheduler.lease('C', 1)[0]).toBe(false)
  })

  it('of a replicated chunk: refuse the taker that holds the other copy or has answered it', () => {
    const h = harness({ leaseTtlMs: 1_000 })
    const { scheduler } = h
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 3, quorum: 2 })
    const [a] = scheduler.lease('A', 1)
    const [b] = scheduler.lease('B', 1)
    const [c] = scheduler.lease('C', 1)
    expect([a.attempt, b.attempt, c.attempt]).toEqual([1, 2, 3])
    expect(scheduler.transfer('B', [handoff(a, 'A', 'B')]).refused).toEqual([{ leaseId: a.leaseId, reason: 'the taker holds another copy of this chunk' }])
    scheduler.complete('C', [ok(c)])
    expect(scheduler.transfer('A', [handoff(a, 'A', 'C')]).refused).toEqual([{ leaseId: a.leaseId, reason: 'the taker has answered this chunk' }])
    expect([scheduler.held('A'), scheduler.held('B'), scheduler.held('C')]).toEqual([1, 1, 0])
    expect(scheduler.transfer('D', [handoff(a, 'A', 'D')]).moved).toEqual([at(a, 2)])
    scheduler.complete('D', [ok(a)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(scheduler.get(job.id).stats.transfers).toBe(1)
  })

  it('refuse an excluded taker', () => {
    const { scheduler } = harness({ leaseTtlMs: 1_000, excludeAfterInvalid: 1 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 2, quorum: 1 })
    const [honest] = scheduler.lease('honest', 1)
    const [lie] = scheduler.lease('liar', 1)
    scheduler.complete('honest', [ok(honest)])
    scheduler.complete('liar', [ok(lie, 42)])
    expect(scheduler.exclusion('liar')).toBe('outvoted 1 times')
    const [w] = scheduler.lease('W', 1)
    expect(w.index).toBe(1)
    expect(scheduler.transfer('W', [handoff(w, 'W', 'liar')]).refused).toEqual([{ leaseId: w.leaseId, reason: 'the taker is excluded' }])
    expect(scheduler.transfer('liar', [handoff(w, 'W', 'liar')]).refused).toEqual([{ leaseId: w.leaseId, reason: 'the taker is excluded' }])
    expect([scheduler.held('W'), scheduler.held('liar')]).toEqual([1, 0])
  })
})
