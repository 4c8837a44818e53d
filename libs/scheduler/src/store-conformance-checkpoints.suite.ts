/**
 * The store conformance suite, continued (see store-conformance.suite.ts): checkpoints kept on a
 * live copy for its holder, kept when the copy is lost, taken over by one waiting copy issued
 * after it (never by a backup, never from a live, answered or revoked copy), copied to a
 * straggler's backup from the live copy, and gone with the chunk's copies.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { LeaseRef } from './lease-ids.js'
import type { IssuedCopy, LeaseBatch, SchedulerStore } from './store.js'
import { blob, bytes, tag, type StoreUnderTest } from './testing/store-fixtures.js'

export function checkpointConformance (under: StoreUnderTest): void {
  let store: SchedulerStore
  beforeEach(() => { store = under.store() })
  const opened = under.opened

  /** The checkpoints of a chunk's copies, in attempt order, as arrays. */
  const kept = (seq: number, index: number): Array<number[] | null> => (store.ballot(seq, index)?.copies ?? []).map(c => bytes(c.checkpoint))
  const issued = ({ attempt, checkpoint }: IssuedCopy): { attempt: number, checkpoint: number[] | null } => ({ attempt, checkpoint: bytes(checkpoint) })

  /** Issues the next copy of chunk `index` to `worker`, as a waiting copy unless `backup`; returns its lease. */
  function issue (batch: LeaseBatch, index: number, worker: string, t: string, backup = false): LeaseRef & { issued: IssuedCopy } {
    const copy = store.issueCopy({ ...batch, worker, index, tag: tag(t), backup })
    return { jobSeq: batch.jobSeq, index, attempt: copy.attempt, tag: tag(t), issued: copy }
  }

  describe('checkpoints', () => {
    it('keep the latest checkpoint of a live lease, for its holder only', () => {
      const { seq, leases } = opened(2, { deadline: 2_000 })
      const [a, b] = leases
      expect(store.saveCheckpoint('w2', a, blob(1))).toBe(false)
      expect(store.saveCheckpoint('w1', { ...a, tag: tag('q') }, blob(1))).toBe(false)
      expect(store.saveCheckpoint('w1', { ...a, attempt: 2 }, blob(1))).toBe(false)
      expect(kept(seq, 0)).toEqual([null])
      expect(store.saveCheckpoint('w1', a, blob(1))).toBe(true)
      expect(store.saveCheckpoint('w1', a, blob(2, 2))).toBe(true) // the latest replaces the one before
      expect(kept(seq, 0)).toEqual([[2, 2]])
      expect(kept(seq, 1)).toEqual([null])
      store.loseLease(b)
      expect(store.saveCheckpoint('w1', b, blob(3))).toBe(false) // lost: nobody holds it
      store.recordVote(a, blob(9), 0)
      expect(store.saveCheckpoint('w1', a, blob(4))).toBe(false) // answered
      expect(kept(seq, 0)).toEqual([null]) // an answered copy keeps none
      expect(kept(seq, 1)).toEqual([null])
    })

    it('keep a lost copy\'s checkpoint for one waiting copy issued after it, which keeps it as its own', () => {
      const { seq, batch, leases } = opened(1)
      store.saveCheckpoint('w1', leases[0], blob(5, 1))
      store.renew('w1', leases, 1_500, 2_500)
      expect(kept(seq, 0)).toEqual([[5, 1]])
      expect(store.loseLease(leases[0])).toBe(true)
      expect(kept(seq, 0)).toEqual([[5, 1]])
      store.needCopies(seq, 0, { needed: 2, results: 0, failures: 0, waitingSince: 3_000 })

      const second = issue(batch, 0, 'w2', 'x')
      expect(issued(second.issued)).toEqual({ attempt: 2, checkpoint: [5, 1] })
      expect(kept(seq, 0)).toEqual([null, [5, 1]])
      // the live copy that took it never gives it to another
      expect(issued(issue(batch, 0, 'w3', 'y').issued)).toEqual({ attempt: 3, checkpoint: null })
      // lost before checkpointing further, it still holds what it went on from
      store.loseLease(second)
      store.needCopies(seq, 0, { needed: 1, results: 0, failures: 0, waitingSince: 4_000 })
      expect(issued(issue(batch, 0, 'w4', 'z').issued)).toEqual({ attempt: 4, checkpoint: [5, 1] })
      expect(kept(seq, 0)).toEqual([null, null, null, [5, 1]])
    })

    it('give a backup none, and leave the lost copy\'s checkpoint for the next waiting copy', () => {
      const { seq, batch, leases } = opened(1)
      expect(kept(seq, 0)).toEqual([null]) // a first copy has none
      store.saveCheckpoint('w1', leases[0], blob(7))
      store.loseLease(leases[0])
      expect(issued(issue(batch, 0, 'w2', 'x', true).issued)).toEqual({ attempt: 2, checkpoint: null })
      expect(kept(seq, 0)).toEqual([[7], null])
      store.needCopies(seq, 0, { needed: 1, results: 0, failures: 0, waitingSince: 3_000 })
      expect(issued(issue(batch, 0, 'w3', 'y').issued)).toEqual({ attempt: 3, checkpoint: [7] })
    })

    it('give a straggler\'s backup a copy of the live copy\'s checkpoint, which the live copy keeps', () => {
      const { seq, batch, leases } = opened(1)
      expect(issued(issue(batch, 0, 'w2', 'x', true).issued)).toEqual({ attempt: 2, checkpoint: null }) // none yet
      store.saveCheckpoint('w1', leases[0], blob(4))
      expect(issued(issue(batch, 0, 'w3', 'y', true).issued)).toEqual({ attempt: 3, checkpoint: [4] })
      expect(kept(seq, 0)).toEqual([[4], null, [4]])
    })

    it('take from the newest lost copy that has one, each once; never from a live, ok, failed or late-answered copy', () => {
      const { seq, batch, leases } = opened(1, { target: 6, quorum: 6 })
      const workers = ['w1', 'wb', 'wc', 'wd', 'we', 'wf']
      const copies = [leases[0], ...workers.slice(1).map(w => issue(batch, 0, w, w[1]))]
      copies.forEach((copy, i) => { expect(store.saveCheckpoint(workers[i], copy, blob(i + 1))).toBe(true) })
      store.loseLease(copies[1])
      store.loseLease(copies[2])
      store.loseLease(copies[3])
      store.recordVote(copies[3], blob(0), 0) // a late result of a lost copy: answered now
      store.recordVote(copies[4], blob(0), 0)
      store.recordFailure(copies[5], blob(0))
      expect(kept(seq, 0)).toEqual([[1], [2], [3], null, null, null])
      store.needCopies(seq, 0, { needed: 3, results: 3, failures: 1, waitingSince: 3_000 })

      expect(issued(issue(batch, 0, 'wg', 'g').issued)).toEqual({ attempt: 7, checkpoint: [3] })
      expect(issued(issue(batch, 0, 'wh', 'h').issued)).toEqual({ attempt: 8, checkpoint: [2] })
      expect(issued(issue(batch, 0, 'wi', 'i').issued)).toEqual({ attempt: 9, checkpoint: null })
      expect(kept(seq, 0)).toEqual([[1], null, null, null, null, null, [3], [2], null])
    })

    it('undo a take that rolls back', () => {
      const { seq, batch, leases } = opened(1)
      store.saveCheckpoint('w1', leases[0], blob(4))
      store.loseLease(leases[0])
      store.needCopies(seq, 0, { needed: 1, results: 0, failures: 0, waitingSince: 3_000 })
      expect(() => store.transaction(() => {
        issue(batch, 0, 'w2', 'x')
        throw new Error('disk I/O error')
      })).toThrow('disk I/O error')
      expect(kept(seq, 0)).toEqual([[4]])
      expect(issued(issue(batch, 0, 'w2', 'x').issued)).toEqual({ attempt: 2, checkpoint: [4] })
    })

    it('keep none on revoked copies, and go with the copies of a decided chunk or an ended job', () => {
      const { seq, batch, leases } = opened(2, { target: 3, quorum: 1 })
      const second = issue(batch, 0, 'w2', 'x')
      const third = issue(batch, 0, 'w3', 'y')
      store.saveCheckpoint('w1', leases[0], blob(1))
      store.saveCheckpoint('w2', second, blob(2))
      store.saveCheckpoint('w3', third, blob(3))
      store.loseLease(second)
      store.recordVote(leases[0], blob(0), 0)
      expect(store.decide(seq, 0, 1, blob(0))).toEqual([{ jobSeq: seq, index: 0, attempt: 3, tag: tag('y'), worker: 'w3' }])
      expect(store.ballot(seq, 0)?.copies.map(c => [c.attempt, c.state, bytes(c.checkpoint)])).toEqual([[3, 'revoked', null]])

      store.saveCheckpoint('w1', leases[1], blob(5))
      store.loseLease(leases[1])
      store.endJob(seq, { status: 'cancelled', finishedAt: 4_000, done: 1 })
      expect(store.ballot(seq, 1)?.copies).toEqual([])
    })

    it('drop the checkpoints of every copy one worker held, live or lost', () => {
      const { seq, batch, leases } = opened(2, { target: 2, quorum: 2 })
      const other = issue(batch, 0, 'w2', 'x')
      store.saveCheckpoint('w1', leases[0], blob(1))
      store.saveCheckpoint('w1', leases[1], blob(2))
      store.saveCheckpoint('w2', other, blob(3))
      store.loseLease(leases[1])
      store.dropCheckpoints('w1')
      expect(kept(seq, 0)).toEqual([null, [3]])
      expect(kept(seq, 1)).toEqual([null])
      store.needCopies(seq, 1, { needed: 2, results: 0, failures: 0, waitingSince: 3_000 })
      expect(issued(issue(batch, 1, 'w3', 'y').issued)).toEqual({ attempt: 2, checkpoint: null })
    })
  })
}
