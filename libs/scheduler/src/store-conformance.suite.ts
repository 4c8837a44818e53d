/**
 * The conformance suite every `SchedulerStore` passes (kept out of the build; tests import it):
 * each operation's contract, in the scheduler's terms — transactions that roll back and nest,
 * jobs that round-trip and page, chunks opened and copies issued, leases renewed only by their
 * holder while live, handed from their holder to another, lost, due and extended after a restart,
 * checkpoints kept and taken over, results recorded, chunks decided, workers counted and excluded.
 * A new store (in memory, a server database) is done when it passes this.
 *
 * @example
 * ```ts
 * storeConformance('SQLite in memory', () => openSqliteStore(':memory:'))
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LeaseRef } from './lease-ids.js'
import type { JobSummary, LeaseBatch, SchedulerStore } from './store.js'
import { checkpointConformance } from './store-conformance-checkpoints.suite.js'
import { leaseConformance } from './store-conformance-leases.suite.js'
import { retentionConformance } from './store-conformance-retention.suite.js'
import { transferConformance } from './store-conformance-transfers.suite.js'
import { blob, bytes, indexes, newJob, plain, summaryOf, tag, type StoreUnderTest } from './testing/store-fixtures.js'

export function storeConformance (name: string, open: () => SchedulerStore): void {
  describe(`${name}: scheduler store conformance`, () => {
    let store: SchedulerStore
    beforeEach(() => { store = open() })
    afterEach(() => { store.close() })

    /** A job with chunks 0..n-1 opened, each leased first to `worker`; returns its seq and leases. */
    function opened (n: number, { target = 1, quorum = 1, worker = 'w1', at = 1_000, deadline = 2_000, overrunAt = null as number | null, id = 'job' } = {}) {
      const seq = store.addJob(newJob(id, { chunks: Math.max(n, 1), replication: target, quorum }))
      const batch: LeaseBatch = { jobSeq: seq, worker, leasedAt: at, deadline, overrunAt }
      const firsts = Array.from({ length: n }, (_, index) => ({ index, tag: tag(String.fromCharCode(65 + (index % 26))), target, quorum }))
      store.openChunks(batch, firsts)
      const leases: LeaseRef[] = firsts.map(f => ({ jobSeq: seq, index: f.index, attempt: 1, tag: f.tag }))
      return { seq, batch, leases }
    }

    describe('transactions', () => {
      it('commit what the function wrote and return its value', () => {
        expect(store.transaction(() => { store.addJob(newJob('a')); return 7 })).toBe(7)
        expect(store.job('a')?.id).toBe('a')
      })

      it('roll everything back when the function throws, and rethrow', () => {
        expect(() => store.transaction(() => {
          const { seq } = opened(3)
          store.saveProgress(seq, 1, blob(9))
          throw new Error('disk I/O error')
        })).toThrow('disk I/O error')
        expect(store.job('job')).toBeUndefined()
        expect(store.activeJobs()).toEqual([])
        expect(store.liveLeases()).toEqual([])
      })

      it('join an outer transaction when nested: an outer throw undoes the inner write', () => {
        expect(() => store.transaction(() => {
          expect(store.transaction(() => store.addJob(newJob('inner')))).toBeTypeOf('number')
          throw new Error('outer')
        })).toThrow('outer')
        expect(store.job('inner')).toBeUndefined()
        store.transaction(() => { store.transaction(() => { store.addJob(newJob('both')) }, false) })
        expect(store.job('both')?.id).toBe('both')
      })

      it('accept durable = false: committed alike, rolled back alike', () => {
        store.transaction(() => { store.addJob(newJob('lazy')) }, false)
        expect(store.job('lazy')?.id).toBe('lazy')
        expect(() => store.transaction(() => { store.addJob(newJob('gone')); throw new Error('no') }, false)).toThrow('no')
        expect(store.job('gone')).toBeUndefined()
        store.transaction(() => { store.addJob(newJob('after')) })
        expect(store.job('after')?.id).toBe('after')
      })
    })

    describe('jobs', () => {
      it('round-trip: summaries, status by seq, results, and seqs that grow', () => {
        const a = newJob('a', { replication: 0, quorum: 2, maxAttempts: null, chunkTimeoutMs: 60_000, priority: 3 })
        const b = newJob('b', { createdAt: 2_000 })
        const seqA = store.addJob(a)
        const seqB = store.addJob(b)
        expect(seqB).toBeGreaterThan(seqA)
        expect(store.job('a')).toEqual(summaryOf(seqA, a))
        expect(store.job('b')).toEqual(summaryOf(seqB, b))
        expect(store.job('nope')).toBeUndefined()
        expect(store.jobStatus(seqA)).toBe('queued')
        expect(store.jobStatus(seqB + 1000)).toBeUndefined()
        expect(store.jobResult('a')).toEqual({ status: 'queued', result: null, resultType: null })
        expect(store.jobResult('nope')).toBeUndefined()
      })

      it('list summaries newest first, a page at a time', () => {
        const seqs = ['a', 'b', 'c', 'd', 'e'].map(id => store.addJob(newJob(id)))
        const ids = (rows: JobSummary[]): string[] => rows.map(r => r.id)
        expect(ids(store.listJobs({ limit: 2 }))).toEqual(['e', 'd'])
        expect(ids(store.listJobs({ limit: 2, beforeSeq: seqs[3] }))).toEqual(['c', 'b'])
        expect(ids(store.listJobs({ limit: 10, beforeSeq: seqs[1] }))).toEqual(['a'])
        expect(store.listJobs({ limit: 10, beforeSeq: seqs[0] })).toEqual([])
        expect(store.listJobs({ limit: 1 })).toEqual([summaryOf(seqs[4], newJob('e'))])
        expect(store.jobCounts()).toEqual({ queued: 5 })
      })

      it('keep queued and running jobs active, oldest first, with params, accumulator, cursor and waiting copies', () => {
        const { seq: a, leases: leasesOfA } = opened(2, { target: 3, quorum: 2, id: 'a' })
        const b = store.addJob(newJob('b', { params: blob(7), acc: blob(8) }))
        const c = store.addJob(newJob('c'))
        store.endJob(c, { status: 'cancelled', finishedAt: 3_000, done: 0 })
        expect(store.jobCounts()).toEqual({ running: 1, queued: 1, cancelled: 1 })
        const active = store.activeJobs().map(j => ({ ...j, params: bytes(j.params), acc: bytes(j.acc) }))
        expect(active).toEqual([
          { ...summaryOf(a, newJob('a', { chunks: 2, replication: 3, quorum: 2 })), status: 'running', params: [1, 2], acc: [0], nextIndex: 2, waiting: 4, verifying: 0 },
          { ...summaryOf(b, newJob('b')), params: [7], acc: [8], nextIndex: 0, waiting: 0, verifying: 0 }
        ])
        // A chunk with an ok result short of its quorum is verifying.
        store.recordVote(leasesOfA[1], blob(5), 0)
        expect(store.activeJobs()[0].verifying).toBe(1)
        store.saveProgress(b, 3, blob(9, 9))
        expect(store.job('b')?.done).toBe(3)
        expect(bytes(store.activeJobs()[1].acc)).toEqual([9, 9])
      })

      it('log failures, count them on their job, and read them back newest first', () => {
        const { seq: a } = opened(2, { id: 'a' })
        const { seq: b } = opened(1, { id: 'b' })
        store.logFailure({ jobSeq: a, index: 0, attempt: 1, worker: 'w1', error: 'RangeError: boom', at: 5_000 })
        store.logFailure({ jobSeq: b, index: 0, attempt: 1, worker: 'w2', error: 'TaskTimeoutError: too slow', at: 6_000 })
        store.logFailure({ jobSeq: a, index: 1, attempt: 2, worker: 'w3', error: 'Error: x', at: 7_000 })
        store.logFailure({ jobSeq: a, index: 1, attempt: 2, worker: 'w3', error: 'Error: x', at: 7_000 }) // the same copy again: once
        expect(store.job('a')?.failures).toBe(2)
        expect(store.job('b')?.failures).toBe(1)
        expect(store.failures({ limit: 10 })).toEqual([
          { jobSeq: a, jobId: 'a', index: 1, attempt: 2, worker: 'w3', error: 'Error: x', at: 7_000 },
          { jobSeq: b, jobId: 'b', index: 0, attempt: 1, worker: 'w2', error: 'TaskTimeoutError: too slow', at: 6_000 },
          { jobSeq: a, jobId: 'a', index: 0, attempt: 1, worker: 'w1', error: 'RangeError: boom', at: 5_000 }
        ])
        expect(store.failures({ jobSeq: a, limit: 1 })).toEqual([{ jobSeq: a, jobId: 'a', index: 1, attempt: 2, worker: 'w3', error: 'Error: x', at: 7_000 }])
        // Kept once the job has ended.
        store.endJob(a, { status: 'failed', finishedAt: 8_000, done: 0, error: 'chunk 1 failed' })
        expect(store.failures({ jobSeq: a, limit: 10 }).map(f => f.index)).toEqual([1, 0])
      })

      it('end a job: open chunks dropped, copies forgotten, accumulator cleared, live leases returned', () => {
        const { seq, leases } = opened(3)
        store.decide(seq, 0, 1)
        const live = store.endJob(seq, { status: 'done', finishedAt: 5_000, done: 3, result: blob(4, 2), resultType: 'application/json' })
        expect(live).toEqual(leases.slice(1).map(l => ({ ...l, worker: 'w1' })))
        expect(store.job('job')).toMatchObject({ status: 'done', done: 3, finishedAt: 5_000, error: null })
        const result = store.jobResult('job')
        expect({ ...result, result: bytes(result?.result) }).toEqual({ status: 'done', result: [4, 2], resultType: 'application/json' })
        expect(store.activeJobs()).toEqual([])
        expect(store.liveLeases()).toEqual([])
        expect(store.ballot(seq, 0)?.chunk.state).toBe('done')
        expect(store.ballot(seq, 1)).toMatchObject({ chunk: { state: 'dropped', needed: 0 }, copies: [] })
        expect(store.leaseState(leases[1])?.copy).toBeUndefined()
        expect(store.dueLeases(Number.MAX_SAFE_INTEGER)).toEqual([])
      })

      it('end a job as failed with its error, and no result', () => {
        const seq = store.addJob(newJob('f'))
        expect(store.endJob(seq, { status: 'failed', finishedAt: 4_000, done: 0, error: 'chunk 3 failed' })).toEqual([])
        expect(store.job('f')).toMatchObject({ status: 'failed', error: 'chunk 3 failed', finishedAt: 4_000 })
        expect(store.jobResult('f')).toEqual({ status: 'failed', result: null, resultType: null })
        expect(store.jobStatus(seq)).toBe('failed')
      })
    })

    describe('chunks and copies', () => {
      it('open consecutive chunks with their first lease live (attempt 1, epoch 1) and target − 1 copies waiting', () => {
        const seq = store.addJob(newJob('job'))
        const batch: LeaseBatch = { jobSeq: seq, worker: 'w1', leasedAt: 1_000, deadline: 2_000, overrunAt: 9_000 }
        store.openChunks(batch, [{ index: 0, tag: tag('a'), target: 1, quorum: 1 }, { index: 1, tag: tag('b'), target: 3, quorum: 2 }])
        expect(store.ballot(seq, 0)?.chunk).toEqual({
          state: 'open', attempt: 1, tags: tag('a'), target: 1, quorum: 1, needed: 0, results: 0, failures: 0, waitingSince: 1_000, backup: 0, agreed: null
        })
        expect(store.ballot(seq, 1)?.copies.map(plain)).toEqual([{
          attempt: 1, tag: tag('b'), worker: 'w1', state: 'live', epoch: 1, backup: 0, leasedAt: 1_000, deadline: 2_000, overrunAt: 9_000, result: null,
          checkpoint: null, creditMs: null
        }])
        expect(store.ballot(seq, 1)?.chunk).toMatchObject({ target: 3, quorum: 2, needed: 2 })
        expect(store.activeJobs()[0]).toMatchObject({ status: 'running', nextIndex: 2, waiting: 2 })
        store.openChunks(batch, [])
        expect(store.activeJobs()[0]).toMatchObject({ nextIndex: 2 })
        expect(store.ballot(seq, 2)).toBeUndefined()
      })

      it('open large batches whole', () => {
        const { seq } = opened(300)
        store.openChunks({ jobSeq: seq, worker: 'w2', leasedAt: 1_500, deadline: 2_500, overrunAt: null },
          Array.from({ length: 3 }, (_, i) => ({ index: 300 + i, tag: tag('z'), target: 1, quorum: 1 })))
        expect(indexes(store.liveLeases())).toEqual(Array.from({ length: 303 }, (_, i) => i))
        expect(store.liveLeases().slice(300).map(l => l.leasedAt)).toEqual([1_500, 1_500, 1_500])
        expect(store.activeJobs()[0].nextIndex).toBe(303)
      })

      it('issue the next copy of an open chunk: a waiting one uses up a waiting copy, a backup does not', () => {
        const { seq, batch } = opened(2, { target: 3, quorum: 2 })
        expect(store.issueCopy({ ...batch, worker: 'w2', leasedAt: 1_100, deadline: 2_100, index: 1, tag: tag('x'), backup: false }))
          .toEqual({ attempt: 2, checkpoint: null })
        const { chunk, copies } = store.ballot(seq, 1) ?? { chunk: undefined, copies: [] }
        expect(chunk).toMatchObject({ attempt: 2, tags: tag('B') + tag('x'), needed: 1, backup: 0 })
        expect(copies.map(plain)[1]).toEqual({
          attempt: 2, tag: tag('x'), worker: 'w2', state: 'live', epoch: 1, backup: 0, leasedAt: 1_100, deadline: 2_100, overrunAt: null, result: null,
          checkpoint: null, creditMs: null
        })
        expect(store.issueCopy({ ...batch, worker: 'w3', index: 0, tag: tag('y'), backup: true })).toEqual({ attempt: 2, checkpoint: null })
        expect(store.ballot(seq, 0)?.chunk).toMatchObject({ attempt: 2, needed: 2, backup: 1 })
        expect(store.ballot(seq, 0)?.copies[1]).toMatchObject({ worker: 'w3', backup: 1, epoch: 1 })
        expect(store.activeJobs()[0].waiting).toBe(3)
      })

      it('refuse a copy of a chunk that is not open', () => {
        const { seq, batch } = opened(1)
        store.decide(seq, 0, 1)
        expect(() => store.issueCopy({ ...batch, worker: 'w2', index: 0, tag: tag('x'), backup: true })).toThrow()
        expect(store.ballot(seq, 0)?.chunk).toMatchObject({ attempt: 1, state: 'done' })
      })

      it('find the waiting chunks a worker may take: not held, not answered ok, not failed unless waited long enough', () => {
        const { seq, batch, leases } = opened(4, { target: 2, quorum: 2 })
        expect(store.eligibleWaiting(seq, 'w1', 0, 10)).toEqual([]) // holds a copy of each
        expect(store.eligibleWaiting(seq, 'w2', 0, 10)).toEqual([0, 1, 2, 3])
        expect(store.eligibleWaiting(seq, 'w2', 0, 2)).toEqual([0, 1])
        store.issueCopy({ ...batch, worker: 'w2', index: 0, tag: tag('x'), backup: false })
        expect(store.eligibleWaiting(seq, 'w3', 0, 10)).toEqual([1, 2, 3]) // chunk 0 waits for nothing now

        store.recordVote(leases[2], blob(1), 0)
        store.recordFailure(leases[3], blob(2))
        store.needCopies(seq, 3, { needed: 2, results: 1, failures: 1, waitingSince: 5_000 })
        expect(store.eligibleWaiting(seq, 'w1', 4_999, 10)).toEqual([]) // 2: answered ok; 3: failed, waited too little
        expect(store.eligibleWaiting(seq, 'w1', 5_000, 10)).toEqual([3])
        store.loseLease(leases[1])
        expect(store.eligibleWaiting(seq, 'w1', 0, 10)).toEqual([1]) // a lost copy does not count
      })
    })

    leaseConformance({ store: () => store, opened })
    checkpointConformance({ store: () => store, opened })
    retentionConformance({ store: () => store, opened })
    transferConformance({ store: () => store, opened })
  })
}
