/**
 * The store conformance suite, continued (see store-conformance.suite.ts): a live lease moved
 * from its holder at its epoch to another holder (a handoff), with its epoch raised and its
 * deadline renewed; only once per epoch, never a lease that is lost, answered or past its
 * deadline; its checkpoint kept for the new holder.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { SchedulerStore } from './store.js'
import { blob, bytes, tag, type StoreUnderTest } from './testing/store-fixtures.js'

export function transferConformance (under: StoreUnderTest): void {
  let store: SchedulerStore
  beforeEach(() => { store = under.store() })
  const opened = under.opened

  /** Holder, epoch, deadline and state of each copy of a chunk, in attempt order. */
  const holders = (seq: number, index: number): Array<[string, number, number, string]> =>
    (store.ballot(seq, index)?.copies ?? []).map(c => [c.worker, c.epoch, c.deadline, c.state])

  describe('moves', () => {
    it('move a live lease from its holder at its epoch to another: epoch + 1, deadline renewed, never past the overrun', () => {
      const { seq, leases } = opened(2, { deadline: 2_000, overrunAt: 10_000 })
      const [a] = leases
      expect(store.moveLease(a, 'w2', 1, 'w3', 1_500, 3_000)).toBe(false) // not w2's
      expect(store.moveLease(a, 'w1', 2, 'w3', 1_500, 3_000)).toBe(false) // not at epoch 2
      expect(store.moveLease({ ...a, tag: tag('q') }, 'w1', 1, 'w3', 1_500, 3_000)).toBe(false)
      expect(store.moveLease({ ...a, attempt: 2 }, 'w1', 1, 'w3', 1_500, 3_000)).toBe(false)
      expect(holders(seq, 0)).toEqual([['w1', 1, 2_000, 'live']])

      expect(store.moveLease(a, 'w1', 1, 'w2', 1_500, 3_000)).toBe(true)
      expect(holders(seq, 0)).toEqual([['w2', 2, 3_000, 'live']])
      expect(store.ballot(seq, 0)?.copies[0]).toMatchObject({ attempt: 1, tag: tag('A'), leasedAt: 1_000, overrunAt: 10_000, backup: 0 })
      expect(store.moveLease(a, 'w1', 1, 'w2', 1_500, 3_000)).toBe(false) // once per epoch
      expect(holders(seq, 1)).toEqual([['w1', 1, 2_000, 'live']])

      // the new holder is the holder for every other call
      expect(store.renew('w1', [a], 1_600, 4_000)).toEqual([false])
      expect(store.renew('w2', [a], 1_600, 4_000)).toEqual([true])
      expect(store.leasesHeldBy('w2')).toEqual([{ jobSeq: seq, index: 0, attempt: 1, tag: tag('A'), worker: 'w2' }])
      expect(store.leasesHeldBy('w1')).toEqual([{ jobSeq: seq, index: 1, attempt: 1, tag: tag('B'), worker: 'w1' }])
      expect(store.loseLease(a, 'w1')).toBe(false)

      expect(store.moveLease(a, 'w2', 2, 'w3', 3_000, 20_000)).toBe(true)
      expect(holders(seq, 0)).toEqual([['w3', 3, 10_000, 'live']]) // capped at its overrun
      expect(store.dueLeases(10_000)).toMatchObject([{ index: 1, worker: 'w1' }, { index: 0, worker: 'w3', state: 'live' }])
    })

    it('move no lease that is lost, answered or past its deadline', () => {
      const { seq, leases } = opened(3, { deadline: 2_000 })
      const [a, b, c] = leases
      expect(store.moveLease(a, 'w1', 1, 'w2', 2_000, 3_000)).toBe(false) // its deadline is now
      store.loseLease(b)
      expect(store.moveLease(b, 'w1', 1, 'w2', 1_500, 3_000)).toBe(false)
      store.recordVote(c, blob(1), 0)
      expect(store.moveLease(c, 'w1', 1, 'w2', 1_500, 3_000)).toBe(false)
      expect([0, 1, 2].map(i => holders(seq, i)[0])).toEqual([['w1', 1, 2_000, 'live'], ['w1', 1, 2_000, 'lost'], ['w1', 1, 2_000, 'ok']])
    })

    it('keep the lease\'s checkpoint, for the new holder to replace and for the copy issued after it is lost', () => {
      const { seq, batch, leases } = opened(1)
      const [a] = leases
      store.saveCheckpoint('w1', a, blob(4))
      expect(store.moveLease(a, 'w1', 1, 'w2', 1_500, 3_000)).toBe(true)
      expect(bytes(store.ballot(seq, 0)?.copies[0].checkpoint)).toEqual([4])
      expect(store.saveCheckpoint('w1', a, blob(5))).toBe(false)
      expect(store.saveCheckpoint('w2', a, blob(6))).toBe(true)
      expect(store.loseLease(a, 'w2')).toBe(true)
      store.needCopies(seq, 0, { needed: 1, results: 0, failures: 0, waitingSince: 3_000 })
      const next = store.issueCopy({ ...batch, worker: 'w3', index: 0, tag: tag('x'), backup: false })
      expect({ attempt: next.attempt, checkpoint: bytes(next.checkpoint) }).toEqual({ attempt: 2, checkpoint: [6] })
      expect(holders(seq, 0)).toEqual([['w2', 2, 3_000, 'lost'], ['w3', 1, 2_000, 'live']])
    })

    it('undo a move that rolls back', () => {
      const { seq, leases } = opened(1)
      expect(() => store.transaction(() => {
        store.moveLease(leases[0], 'w1', 1, 'w2', 1_500, 3_000)
        throw new Error('disk I/O error')
      })).toThrow('disk I/O error')
      expect(holders(seq, 0)).toEqual([['w1', 1, 2_000, 'live']])
      expect(store.moveLease(leases[0], 'w1', 1, 'w2', 1_500, 3_000)).toBe(true)
    })
  })
}
