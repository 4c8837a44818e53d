import { describe, expect, it, vi } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import type { ChunkResult } from '@cycleshare/protocol'
import type { JobView } from './index.js'
import { harness, ok, runSum } from './testing/fake-tasks.js'

const fail = (leaseId: string, message = 'boom'): ChunkResult => ({ leaseId, ok: false, error: { name: 'RangeError', message } })

describe('complete', () => {
  it('accepts a duplicate result but reduces it once', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 3 })
    const [a, b, c] = scheduler.lease('w1', 3)
    expect(scheduler.complete('w1', [ok(a, 1), ok(a, 1)])).toEqual({ accepted: [a.leaseId, a.leaseId], rejected: [] })
    // a resent batch (the ack was lost)
    expect(scheduler.complete('w1', [ok(a, 1), ok(b, 1)])).toEqual({ accepted: [a.leaseId, b.leaseId], rejected: [] })
    expect(scheduler.get(job.id).progress.done).toBe(2)
    scheduler.complete('w1', [ok(c, 1)])
    expect(scheduler.result(job.id).value).toEqual([1, 1, 1])
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'w1', chunksDone: 3, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 }])
    // the job is done: nothing more is taken for it
    expect(scheduler.complete('w1', [ok(c, 1)])).toEqual({ accepted: [], rejected: [{ leaseId: c.leaseId, reason: 'job done' }] })
  })

  it('accepts a late result of an expired attempt; the newer attempt is then a duplicate', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 2 })
    const [old, other] = scheduler.lease('slow', 2)
    clock.now += 1_000
    expect(scheduler.expire()).toBe(2)

    // expired and not yet leased again
    expect(scheduler.complete('slow', [ok(other, 1)]).accepted).toEqual([other.leaseId])
    expect(scheduler.pending().pending).toBe(1)

    const [fresh] = scheduler.lease('fast', 1)
    expect(fresh).toMatchObject({ index: 0, attempt: 2 })
    expect(scheduler.complete('slow', [ok(old, 1)]).accepted).toEqual([old.leaseId])
    expect(scheduler.renew('fast', [fresh.leaseId]).lost).toEqual([fresh.leaseId])
    expect(scheduler.get(job.id).status).toBe('done')
    expect(scheduler.result(job.id).value).toEqual([1, 1])
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'slow', chunksDone: 2, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 }])
  })

  it('rejects a forged lease', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 2 })
    const [g] = scheduler.lease('w1', 1)
    const [seq, index, attempt, tag] = g.leaseId.split('.')
    const forged = [
      `${seq}.${index}.${attempt}.${tag.slice(1)}x`, // wrong tag
      `${seq}.${index}.2.${tag}`, // an attempt not issued yet
      `${seq}.1.1.${tag}`, // a chunk never leased
      `9.${index}.${attempt}.${tag}` // a job that does not exist
    ]
    expect(scheduler.complete('w1', forged.map(leaseId => ({ leaseId, ok: true, output: 1 })))).toEqual({
      accepted: [], rejected: forged.map(leaseId => ({ leaseId, reason: 'unknown lease' }))
    })
    expect(scheduler.renew('w1', forged).lost).toEqual(forged)
    expect(scheduler.release('w1', forged)).toEqual([])
    expect(scheduler.get(job.id).progress.done).toBe(0)
  })

  it('rejects an unknown lease and a malformed outcome', () => {
    const { scheduler } = harness()
    expect(scheduler.complete('w1', [
      { leaseId: 'nope', ok: true, output: 1 },
      { ok: true } as never,
      null as never
    ])).toEqual({
      accepted: [],
      rejected: [
        { leaseId: 'nope', reason: 'unknown lease' },
        { leaseId: 'undefined', reason: 'malformed outcome' },
        { leaseId: 'undefined', reason: 'malformed outcome' }
      ]
    })
  })

  it('retries a failing chunk, then fails the job naming chunk, task and error', () => {
    const { scheduler } = harness({ maxAttempts: 3 })
    const work: number[] = []
    const jobs: JobView[] = []
    const revoked: Array<[string, string[]]> = []
    scheduler.on('work', p => work.push(p))
    scheduler.on('job', j => jobs.push(j))
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const [other] = scheduler.lease('w2', 1) // chunk 0, still out when the job fails

    // each retry goes to a worker that has not failed the chunk
    for (let attempt = 1; attempt <= 3; attempt++) {
      const worker = `f${attempt}`
      const [g] = scheduler.lease(worker, 1, ['sum'])
      expect(g).toMatchObject({ index: 1, attempt })
      expect(scheduler.complete(worker, [fail(g.leaseId, `bad ${attempt}`)])).toEqual({ accepted: [g.leaseId], rejected: [] })
      // a resent failure report is not a second failure
      scheduler.complete(worker, [fail(g.leaseId, `bad ${attempt}`)])
    }

    const failed = scheduler.get(job.id)
    expect(failed).toMatchObject({ status: 'failed', error: 'chunk 1 of sum failed 3 times: RangeError: bad 3' })
    expect(failed.finishedAt).toBeDefined()
    expect(jobs.at(-1)).toEqual(failed)
    expect(work).toEqual([10, 9, 9]) // submit, then two failures put chunk 1 back
    expect(revoked).toEqual([['w2', [other.leaseId]]])
    expect(scheduler.pending()).toEqual({ pending: 0, tasks: [] })
    expect(scheduler.lease('w1', 5)).toEqual([])
    expect(scheduler.complete('w2', [ok(other)]).rejected).toEqual([{ leaseId: other.leaseId, reason: 'job failed' }])
    expect(counts(scheduler.workerStats())).toEqual(['f1', 'f2', 'f3'].map(worker => ({ worker, chunksDone: 0, chunksFailed: 1, valid: 0, invalid: 0, creditMs: 0 })))
    expect(() => scheduler.result(job.id)).toThrow(expect.objectContaining({ message: `job "${job.id}" is failed, not done` }))
  })

  it('rejects an output the task cannot read, as a failed attempt', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2, maxAttempts: 2 })
    const [a, b] = scheduler.lease('w1', 2)
    expect(scheduler.complete('w1', [ok(a, 'lots'), ok(b)])).toEqual({
      accepted: [b.leaseId],
      rejected: [{ leaseId: a.leaseId, reason: 'InvalidOutputError: output must be an integer' }]
    })
    expect(scheduler.get(job.id).progress.done).toBe(1)
    const [again] = scheduler.lease('w2', 1)
    expect(again).toMatchObject({ index: 0, attempt: 2 })
    scheduler.complete('w2', [ok(again, 1.5)])
    expect(scheduler.get(job.id)).toMatchObject({
      status: 'failed',
      error: 'chunk 0 of sum failed 2 times: InvalidOutputError: output must be an integer'
    })
  })

  it('counts a batch in one transaction, many jobs at once', () => {
    const { scheduler } = harness()
    const events: string[] = []
    scheduler.on('job', j => events.push(`${j.task}:${j.status}:${j.progress.done}`))
    scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2 })
    scheduler.submit({ task: 'tally', params: {}, chunks: 3 })
    const grants = scheduler.lease('w1', 5)
    events.length = 0
    expect(grants).toHaveLength(5)
    scheduler.complete('w1', grants.map(g => ok(g, g.task === 'sum' ? runSum(g) : 1)))
    expect(events).toEqual(['sum:done:2', 'tally:done:3'])
    expect(scheduler.list().map(j => j.status)).toEqual(['done', 'done'])
  })

  it('records several workers\' reports in one transaction, answering each as complete would', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    const [a, b] = scheduler.lease('w1', 2)
    const [c, d] = scheduler.lease('w2', 2)
    const answers = scheduler.completeAll([
      { worker: 'w1', results: [ok(a, runSum(a)), ok(c, runSum(c))] }, // c is w2's
      { worker: 'w2', results: [ok(c, runSum(c)), ok(d, runSum(d))] },
      { worker: 'w1', results: [ok(b, runSum(b))] }
    ])
    expect(answers).toEqual([
      { accepted: [a.leaseId], rejected: [{ leaseId: c.leaseId, reason: 'not the holder of this lease' }] },
      { accepted: [c.leaseId, d.leaseId], rejected: [] },
      { accepted: [b.leaseId], rejected: [] }
    ])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(() => scheduler.completeAll([{ worker: '', results: [] }])).toThrow('worker must be a non-empty string')
  })
})

describe('cancel', () => {
  it('revokes live leases by worker and rejects later results', () => {
    const { scheduler } = harness()
    const revoked: Array<[string, string[]]> = []
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const [a, b] = scheduler.lease('w1', 2)
    const [c] = scheduler.lease('w2', 1)
    const [d] = scheduler.lease('w1', 1)
    scheduler.complete('w1', [ok(b)])

    const cancelled = scheduler.cancel(job.id)
    expect(cancelled).toMatchObject({ status: 'cancelled', progress: { done: 1, total: 10 } })
    expect(revoked).toEqual([['w1', [a.leaseId, d.leaseId]], ['w2', [c.leaseId]]])
    expect(scheduler.complete('w1', [ok(a)])).toEqual({ accepted: [], rejected: [{ leaseId: a.leaseId, reason: 'job cancelled' }] })
    expect(scheduler.renew('w2', [c.leaseId]).lost).toEqual([c.leaseId])
    expect(scheduler.release('w2', [c.leaseId])).toEqual([])
    expect(scheduler.pending().pending).toBe(0)
    expect(scheduler.expire(Number.MAX_SAFE_INTEGER)).toBe(0)

    // cancelling a finished job changes nothing
    expect(scheduler.cancel(job.id)).toEqual(cancelled)
    expect(revoked).toHaveLength(2)
    expect(scheduler.get(job.id)).toEqual(cancelled)
  })

  it('leaves a done job done', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    const [g] = scheduler.lease('w1', 1)
    scheduler.complete('w1', [ok(g)])
    expect(scheduler.cancel(job.id).status).toBe('done')
    expect(scheduler.result(job.id).value).toEqual({ sum: 55 })
  })
})

describe('events', () => {
  it('a throwing listener neither fails the call nor silences the others', () => {
    const { scheduler } = harness()
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    const heard: string[] = []
    scheduler.on('job', () => { throw new Error('listener bug') })
    const off = scheduler.on('job', j => heard.push(j.status))
    try {
      const job = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
      const [g] = scheduler.lease('w1', 1)
      expect(scheduler.complete('w1', [ok(g)]).accepted).toEqual([g.leaseId])
      expect(heard).toEqual(['queued', 'running', 'done'])
      off()
      scheduler.cancel(job.id)
      expect(heard).toHaveLength(3)
      expect(scheduler.result(job.id).value).toEqual({ sum: 55 })
      expect(warn).toHaveBeenCalledTimes(3) // queued, running, done: cancelling a done job emits nothing
      expect(warn.mock.calls[0][0]).toMatchObject({ message: 'listener bug' })
    } finally {
      warn.mockRestore()
    }
  })
})
