import { describe, expect, it } from 'vitest'
import type { ChunkResult } from '@cycleshare/protocol'
import { JobNotFinishedError, JobNotFoundError } from './errors.js'
import { createMemoryStore } from './memory/store.js'
import { harness, harnessOn, ok } from './testing/fake-tasks.js'

const fail = (leaseId: string): ChunkResult => ({ leaseId, ok: false, error: { name: 'RangeError', message: 'boom' } })

describe.each([['SQLite', () => harness()], ['memory', () => harnessOn(createMemoryStore())]])('retention (%s store)', (_, make) => {
  it('removes a finished job with its result and failure log; a queued or running one must be cancelled first', () => {
    const { scheduler } = make()
    const removed: string[] = []
    scheduler.on('removed', (id) => { removed.push(id) })
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 2 })
    expect(() => { scheduler.remove(job.id) }).toThrow(JobNotFinishedError)
    expect(() => { scheduler.remove(job.id) }).toThrow(`job "${job.id}" is queued: cancel it before removing it`)
    const [a, b] = scheduler.lease('w1', 2)
    scheduler.complete('w1', [fail(a.leaseId), ok(b, 1)])
    expect(() => { scheduler.remove(job.id) }).toThrow(`job "${job.id}" is running: cancel it before removing it`)
    const [again] = scheduler.lease('w2', 1)
    expect(again).toMatchObject({ jobId: job.id, index: a.index, attempt: 2 })
    scheduler.complete('w2', [ok(again, 1)])
    expect(scheduler.get(job.id).status).toBe('done')
    expect(scheduler.failures({ jobId: job.id })).toHaveLength(1)
    const other = scheduler.submit({ task: 'tally', params: {}, chunks: 1 })

    scheduler.remove(job.id)
    expect(removed).toEqual([job.id])
    expect(() => scheduler.get(job.id)).toThrow(JobNotFoundError)
    expect(() => scheduler.result(job.id)).toThrow(JobNotFoundError)
    expect(() => { scheduler.remove(job.id) }).toThrow(JobNotFoundError)
    expect(scheduler.failures()).toEqual([])
    expect(scheduler.list().map(j => j.id)).toEqual([other.id])
    expect(scheduler.jobCounts()).toMatchObject({ done: 0, queued: 1 })
    // A worker's record outlives the jobs it worked on.
    expect(scheduler.workerStats().map(w => [w.worker, w.chunksDone])).toEqual([['w1', 1], ['w2', 1]])
  })

  it('prunes the finished jobs that ended before a time, and nothing else', () => {
    const { scheduler, clock } = make()
    const start = clock.now
    const early = scheduler.submit({ task: 'tally', params: {}, chunks: 1 })
    scheduler.cancel(early.id)
    clock.now += 1_000
    const late = scheduler.submit({ task: 'tally', params: {}, chunks: 1 })
    const [lease] = scheduler.lease('w1', 1)
    scheduler.complete('w1', [ok(lease, 1)])
    const running = scheduler.submit({ task: 'tally', params: {}, chunks: 1 })
    expect(scheduler.prune(start)).toEqual([])
    expect(scheduler.prune(start + 1)).toEqual([early.id])
    expect(scheduler.prune(clock.now + 1)).toEqual([late.id])
    expect(scheduler.list().map(j => j.id)).toEqual([running.id])
  })

  it('keeps when each worker\'s last counted result came', () => {
    const { scheduler, clock } = make()
    scheduler.submit({ task: 'tally', params: {}, chunks: 2 })
    const [a, b] = scheduler.lease('w1', 2)
    scheduler.complete('w1', [ok(a, 1)])
    clock.now += 5_000
    scheduler.complete('w1', [fail(b.leaseId)])
    expect(scheduler.workerStats('w1')[0].lastSeen).toBe(clock.now)
  })
})
