/**
 * The store conformance suite, continued (see store-conformance.suite.ts): leases renewed, lost,
 * due and moved after a restart; results recorded and chunks decided; workers counted and excluded.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { formatLeaseId } from './lease-ids.js'
import type { SchedulerStore } from './store.js'
import { blob, bytes, indexes, plain, tag, type StoreUnderTest } from './testing/store-fixtures.js'

export function leaseConformance (under: StoreUnderTest): void {
  let store: SchedulerStore
  beforeEach(() => { store = under.store() })
  const opened = under.opened

  describe('leases', () => {
    it('renew only for the holder, only while live, never past the overrun', () => {
      const { leases } = opened(3, { deadline: 2_000, overrunAt: 10_000 })
      const [a, b, c] = leases
      expect(store.renew('w2', [a], 1_500, 3_000)).toEqual([false])
      expect(store.renew('w1', [{ ...a, tag: tag('q') }], 1_500, 3_000)).toEqual([false])
      expect(store.renew('w1', [{ ...a, attempt: 2 }], 1_500, 3_000)).toEqual([false])
      store.loseLease(c)
      expect(store.renew('w1', [a, c, b], 1_500, 3_000)).toEqual([true, false, true])
      expect(store.dueLeases(2_999)).toEqual([])
      expect(indexes(store.dueLeases(3_000))).toEqual([0, 1])
      expect(store.renew('w1', [a], 2_000, 20_000)).toEqual([true])
      expect(store.dueLeases(9_999).map(d => d.index)).toEqual([1])
      expect(store.dueLeases(10_000).map(d => d.index)).toEqual([1, 0]) // soonest first; capped at its overrun
      expect(store.renew('w1', [b], 3_000, 30_000)).toEqual([false]) // its deadline has passed
      expect(store.renew('w1', [], 1_000, 2_000)).toEqual([])
    })

    it('lose a live lease once; a named holder must hold it, and the tag must match', () => {
      const { seq, leases } = opened(2)
      expect(store.loseLease(leases[0], 'w2')).toBe(false)
      expect(store.loseLease({ ...leases[0], tag: tag('q') }, 'w1')).toBe(false)
      expect(store.loseLease(leases[0], 'w1')).toBe(true)
      expect(store.loseLease(leases[0], 'w1')).toBe(false)
      expect(store.loseLease(leases[1])).toBe(true)
      expect(store.ballot(seq, 0)?.copies.map(c => c.state)).toEqual(['lost'])
      expect(store.liveLeases()).toEqual([])
      expect(store.dueLeases(Number.MAX_SAFE_INTEGER)).toEqual([])
    })

    it('list due leases, live and revoked, soonest first', () => {
      const { seq, batch } = opened(2, { target: 2, quorum: 1, deadline: 3_000, overrunAt: 8_000 })
      store.issueCopy({ ...batch, worker: 'w2', leasedAt: 1_200, deadline: 2_500, overrunAt: null, index: 0, tag: tag('x'), backup: false })
      expect(store.dueLeases(2_499)).toEqual([])
      expect(store.dueLeases(2_500)).toEqual([{ jobSeq: seq, index: 0, attempt: 2, tag: tag('x'), worker: 'w2', state: 'live', overrunAt: null }])
      expect(store.decide(seq, 0, 2, blob(5))).toEqual([{ jobSeq: seq, index: 0, attempt: 1, tag: tag('A'), worker: 'w1' }])
      expect(store.dueLeases(3_000).sort((a, b) => a.index - b.index)).toEqual([
        { jobSeq: seq, index: 0, attempt: 1, tag: tag('A'), worker: 'w1', state: 'revoked', overrunAt: 8_000 },
        { jobSeq: seq, index: 1, attempt: 1, tag: tag('B'), worker: 'w1', state: 'live', overrunAt: 8_000 }
      ])
    })

    it('list live leases oldest first (all, or those leased by a time), and those one worker holds by job and chunk', () => {
      const { seq: first, batch: firstBatch } = opened(1, { at: 3_000, id: 'first' })
      store.openChunks({ ...firstBatch, leasedAt: 4_000 }, [{ index: 1, tag: tag('B'), target: 1, quorum: 1 }])
      const { seq: second, batch } = opened(1, { at: 1_000, worker: 'w2', id: 'second' })
      store.openChunks({ ...batch, worker: 'w1', leasedAt: 2_000 }, [{ index: 1, tag: tag('c'), target: 1, quorum: 1 }])
      expect(store.liveLeases().map(l => [l.jobSeq, l.index, l.worker, l.leasedAt])).toEqual([
        [second, 0, 'w2', 1_000], [second, 1, 'w1', 2_000], [first, 0, 'w1', 3_000], [first, 1, 'w1', 4_000]
      ])
      expect(store.liveLeases()[0]).toEqual({ jobSeq: second, index: 0, attempt: 1, tag: tag('A'), worker: 'w2', leasedAt: 1_000 })
      // Only those leased at or before a time: the old enough to be stragglers.
      expect(store.liveLeases(3_000).map(l => l.leasedAt)).toEqual([1_000, 2_000, 3_000])
      expect(store.liveLeases(999)).toEqual([])
      expect(store.leasesHeldBy('w1')).toEqual([
        { jobSeq: first, index: 0, attempt: 1, tag: tag('A'), worker: 'w1' },
        { jobSeq: first, index: 1, attempt: 1, tag: tag('B'), worker: 'w1' },
        { jobSeq: second, index: 1, attempt: 1, tag: tag('c'), worker: 'w1' }
      ])
      expect(store.leasesHeldBy('nobody')).toEqual([])
    })

    it('give every live lease a fresh deadline after a restart, overruns no earlier than it', () => {
      const { seq, leases } = opened(3, { deadline: 2_000, overrunAt: 4_000 })
      store.loseLease(leases[2])
      store.extendLive(6_000)
      expect(store.ballot(seq, 0)?.copies[0]).toMatchObject({ deadline: 6_000, overrunAt: 6_000 })
      expect(store.ballot(seq, 2)?.copies[0]).toMatchObject({ state: 'lost', deadline: 2_000, overrunAt: 4_000 })
      expect(store.dueLeases(5_999)).toEqual([])
      expect(indexes(store.dueLeases(6_000))).toEqual([0, 1])
      expect(store.renew('w1', [leases[0]], 5_000, 7_000)).toEqual([true])
      expect(store.ballot(seq, 0)?.copies[0].deadline).toBe(6_000) // its overrun is 6 000 now
    })
  })

  describe('results and decisions', () => {
    it('read a lease with its chunk: the copy while it is kept, nothing before the chunk is opened', () => {
      const { seq, leases } = opened(1, { at: 1_234 })
      expect(store.leaseState(leases[0])).toEqual({
        chunk: { state: 'open', attempt: 1, tags: tag('A'), target: 1, quorum: 1, needed: 0, results: 0, failures: 0, waitingSince: 1_234, backup: 0, agreed: null },
        copy: { attempt: 1, worker: 'w1', state: 'live', backup: 0, leasedAt: 1_234 }
      })
      expect(store.leaseState({ jobSeq: seq, index: 0, attempt: 2 })?.copy).toBeUndefined()
      expect(store.leaseState({ jobSeq: seq, index: 1, attempt: 1 })).toBeUndefined()
      expect(store.ballot(seq, 1)).toBeUndefined()
    })

    it('record votes and failures, returning the chunk\'s copies in attempt order', () => {
      const { seq, batch, leases } = opened(1, { target: 3, quorum: 2 })
      store.issueCopy({ ...batch, worker: 'w2', index: 0, tag: tag('x'), backup: false })
      store.issueCopy({ ...batch, worker: 'w3', index: 0, tag: tag('y'), backup: false })
      const second = { jobSeq: seq, index: 0, attempt: 2 }
      expect(store.recordFailure(second, blob(3)).map(c => [c.attempt, c.state, bytes(c.result)])).toEqual([
        [1, 'live', null], [2, 'failed', [3]], [3, 'live', null]
      ])
      expect(store.recordVote(leases[0], blob(7, 7), 0).map(c => [c.attempt, c.worker, c.state, bytes(c.result)])).toEqual([
        [1, 'w1', 'ok', [7, 7]], [2, 'w2', 'failed', [3]], [3, 'w3', 'live', null]
      ])
      expect(store.leaseState(leases[0])?.copy?.state).toBe('ok')
      // a late result of a lost copy still counts
      store.loseLease({ ...second, attempt: 3, tag: tag('y') })
      expect(store.recordVote({ ...second, attempt: 3 }, blob(8), 1_234)[2]).toMatchObject({ state: 'ok', worker: 'w3', creditMs: 1_234 })
    })

    it('store an open chunk\'s counts and the copies it waits for', () => {
      const { seq } = opened(2, { target: 2, quorum: 2 })
      store.needCopies(seq, 0, { needed: 3, results: 2, failures: 1, waitingSince: 7_000 })
      expect(store.ballot(seq, 0)?.chunk).toMatchObject({ needed: 3, results: 2, failures: 1, waitingSince: 7_000, state: 'open' })
      expect(store.activeJobs()[0].waiting).toBe(4)
    })

    it('decide a chunk whose only copy ever won: done, nothing kept', () => {
      const { seq, leases } = opened(2)
      expect(store.decide(seq, 0, 1)).toEqual([])
      expect(store.ballot(seq, 0)).toEqual({ chunk: expect.objectContaining({ state: 'done', needed: 0, agreed: null }), copies: [] })
      expect(store.leaseState(leases[0])).toMatchObject({ chunk: { state: 'done' }, copy: undefined })
      expect(store.ballot(seq, 1)?.chunk.state).toBe('open')
    })

    it('decide a chunk with copies out: live ones revoked and returned, answered ones forgotten, the output kept while one may report', () => {
      const { seq, batch, leases } = opened(1, { target: 3, quorum: 2 })
      store.issueCopy({ ...batch, worker: 'w2', index: 0, tag: tag('x'), backup: false })
      store.issueCopy({ ...batch, worker: 'w3', index: 0, tag: tag('y'), backup: false })
      store.recordVote(leases[0], blob(1), 0)
      store.recordVote({ jobSeq: seq, index: 0, attempt: 2 }, blob(1), 0)
      expect(store.decide(seq, 0, 2, blob(1))).toEqual([{ jobSeq: seq, index: 0, attempt: 3, tag: tag('y'), worker: 'w3' }])
      const ballot = store.ballot(seq, 0)
      expect(ballot?.chunk).toMatchObject({ state: 'done', needed: 0 })
      expect(bytes(ballot?.chunk.agreed)).toEqual([1])
      expect(ballot?.copies.map(plain)).toEqual([{
        attempt: 3, tag: tag('y'), worker: 'w3', state: 'revoked', epoch: 1, backup: 0, leasedAt: 1_000, deadline: 2_000, overrunAt: null, result: null,
        checkpoint: null, creditMs: null
      }])
      expect(store.liveLeases()).toEqual([])
      expect(store.leaseState({ jobSeq: seq, index: 0, attempt: 3 })?.copy?.state).toBe('revoked')
      store.forgetRevoked({ jobSeq: seq, index: 0, attempt: 3 })
      expect(store.ballot(seq, 0)?.copies).toEqual([])
      expect(store.dueLeases(Number.MAX_SAFE_INTEGER)).toEqual([])
    })

    it('keep no decided output when nothing was revoked', () => {
      const { seq, batch, leases } = opened(1, { target: 2, quorum: 2 })
      store.issueCopy({ ...batch, worker: 'w2', index: 0, tag: tag('x'), backup: false })
      store.recordVote(leases[0], blob(1), 0)
      expect(store.decide(seq, 0, 2, blob(1))).toEqual([])
      expect(store.ballot(seq, 0)).toMatchObject({ chunk: { state: 'done', agreed: null }, copies: [] })
    })

    it('forget only revoked copies', () => {
      const { seq, leases } = opened(1)
      store.forgetRevoked(leases[0])
      expect(store.ballot(seq, 0)?.copies.map(c => c.state)).toEqual(['live'])
    })
  })

  describe('workers', () => {
    it('count results into a record, returning its trust', () => {
      expect(store.trust('w1')).toBeUndefined()
      expect(store.countWorker('w1', { accepted: 2 })).toEqual({ valid: 0, invalid: 0, excluded: null })
      expect(store.countWorker('w1', { valid: 3, failed: 1, creditMs: 1_500 })).toEqual({ valid: 3, invalid: 0, excluded: null })
      expect(store.countWorker('w1', { invalid: 1 })).toEqual({ valid: 3, invalid: 1, excluded: null })
      store.countWorker('w1', { creditMs: 250, lastSeen: 0 })
      store.countWorker('a0', {})
      expect(store.trust('w1')).toEqual({ valid: 3, invalid: 1, excluded: null })
      expect(store.workerStats()).toEqual([
        { worker: 'a0', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0, lastSeen: 0 },
        { worker: 'w1', chunksDone: 5, chunksFailed: 1, valid: 3, invalid: 1, creditMs: 1_750, lastSeen: 0 }
      ])
    })

    it('exclude a worker, durably and with its reason', () => {
      store.countWorker('liar', { invalid: 3 })
      store.countWorker('honest', { valid: 1 })
      expect(store.exclusions()).toEqual([])
      store.exclude('liar', 'outvoted 3 times')
      expect(store.exclusions()).toEqual([{ worker: 'liar', reason: 'outvoted 3 times' }])
      expect(store.trust('liar')).toEqual({ valid: 0, invalid: 3, excluded: 'outvoted 3 times' })
      expect(store.countWorker('liar', { invalid: 1 })).toEqual({ valid: 0, invalid: 4, excluded: 'outvoted 3 times' })
      expect(store.workerStats()).toEqual([
        { worker: 'honest', chunksDone: 1, chunksFailed: 0, valid: 1, invalid: 0, creditMs: 0, lastSeen: 0 },
        { worker: 'liar', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 4, creditMs: 0, lastSeen: 0, excluded: 'outvoted 3 times' }
      ])
      expect(store.workerStats('liar')).toEqual([{ worker: 'liar', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 4, creditMs: 0, lastSeen: 0, excluded: 'outvoted 3 times' }])
      expect(store.workerStats('nobody')).toEqual([])
    })
  })

  it('names leases the way the scheduler formats them', () => {
    const { leases } = opened(1)
    expect(formatLeaseId(store.liveLeases()[0])).toBe(formatLeaseId(leases[0]))
  })
}
