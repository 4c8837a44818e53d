/** The store conformance suite's part on retention: finished jobs found by age and removed whole. */
import { describe, expect, it } from 'vitest'
import { blob, newJob, type StoreUnderTest } from './testing/store-fixtures.js'

export function retentionConformance ({ store: s, opened }: StoreUnderTest): void {
  describe('retention', () => {
    it('finds finished jobs that ended before a time, earliest ended first, never an active one', () => {
      const store = s()
      const a = store.addJob(newJob('a'))
      const b = store.addJob(newJob('b'))
      const c = store.addJob(newJob('c'))
      store.addJob(newJob('running'))
      store.endJob(b, { status: 'done', finishedAt: 2_000, done: 10, result: blob(1), resultType: 'application/json' })
      store.endJob(a, { status: 'failed', finishedAt: 3_000, done: 0, error: 'x' })
      store.endJob(c, { status: 'cancelled', finishedAt: 4_000, done: 0 })
      expect(store.finishedBefore(3_001, 10)).toEqual([{ seq: b, id: 'b' }, { seq: a, id: 'a' }])
      expect(store.finishedBefore(10_000, 1)).toEqual([{ seq: b, id: 'b' }])
      expect(store.finishedBefore(2_000, 10)).toEqual([])
    })

    it('removes a job with its chunks, copies and failure log, and never gives its seq to another job', () => {
      const store = s()
      const { seq, leases } = opened(3, { id: 'gone' })
      const kept = opened(2, { id: 'kept' })
      store.recordVote({ ...leases[0] }, blob(7), 5)
      store.logFailure({ jobSeq: seq, index: 1, attempt: 1, worker: 'w1', error: 'Error: x', at: 5_000 })
      store.logFailure({ jobSeq: kept.seq, index: 0, attempt: 1, worker: 'w1', error: 'Error: y', at: 6_000 })
      store.endJob(seq, { status: 'cancelled', finishedAt: 7_000, done: 0 })
      store.removeJob(seq)
      expect(store.job('gone')).toBeUndefined()
      expect(store.jobStatus(seq)).toBeUndefined()
      expect(store.ballot(seq, 0)).toBeUndefined()
      expect(store.leaseState({ jobSeq: seq, index: 0, attempt: 1 })).toBeUndefined()
      expect(store.failures({ limit: 10 }).map(f => f.jobId)).toEqual(['kept'])
      expect(store.listJobs({ limit: 10 }).map(j => j.id)).toEqual(['kept'])
      expect(store.liveLeases().map(l => l.jobSeq)).toEqual([kept.seq, kept.seq])
      // The newest job was removed: the next one still gets a larger seq than any job before it.
      store.endJob(kept.seq, { status: 'done', finishedAt: 8_000, done: 2, result: blob(1), resultType: 'application/json' })
      store.removeJob(kept.seq)
      expect(store.addJob(newJob('next'))).toBeGreaterThan(kept.seq)
    })

    it('keeps when a worker\'s last counted result came: the latest of the times given', () => {
      const store = s()
      store.countWorker('w1', { accepted: 1, at: 5_000 })
      store.countWorker('w1', { failed: 1, at: 4_000 })
      store.countWorker('w1', { valid: 1 })
      store.countWorker('w2', { accepted: 1 })
      expect(store.workerStats().map(w => [w.worker, w.lastSeen])).toEqual([['w1', 5_000], ['w2', 0]])
    })
  })
}
