import { describe, expect, it } from 'vitest'
import type { ChunkResult, Lease } from '@cycleshare/protocol'
import { harness, ok } from './testing/fake-tasks.js'

const fail = (g: Lease, message = 'boom'): ChunkResult => ({ leaseId: g.leaseId, ok: false, error: { name: 'RangeError', message } })

describe('where a job\'s chunks are', () => {
  it('counts waiting, running, verifying, done and failed as copies are leased, answered and agreed', () => {
    const { scheduler, clock } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4, replication: 2 })
    const chunks = (): unknown => scheduler.get(job.id).chunks
    expect(chunks()).toEqual({ waiting: 4, running: 0, verifying: 0, done: 0, failed: 0 })
    const [a0, a1] = scheduler.lease('w1', 2) // the first copies of chunks 0 and 1
    expect([a0.index, a1.index]).toEqual([0, 1])
    expect(chunks()).toEqual({ waiting: 4, running: 2, verifying: 0, done: 0, failed: 0 }) // 2 second copies + 2 chunks not started
    clock.now += 1_000
    scheduler.complete('w1', [ok(a0), fail(a1, 'bad input')])
    expect(chunks()).toEqual({ waiting: 5, running: 0, verifying: 1, done: 0, failed: 1 }) // chunk 1 needs a copy again
    const fromW2 = scheduler.lease('w2', 2)
    expect(fromW2.map(g => g.index)).toEqual([0, 1])
    scheduler.complete('w2', [ok(fromW2[0])]) // agrees with w1: chunk 0 is done
    expect(chunks()).toEqual({ waiting: 3, running: 1, verifying: 0, done: 1, failed: 1 })
    expect(scheduler.list()[0].chunks).toEqual(chunks())
    expect([scheduler.holdsJob('w2', job.id), scheduler.holdsJob('w1', job.id), scheduler.holdsJob('w2', 'nope')]).toEqual([true, false, false])
    expect(scheduler.failures({ jobId: job.id })).toEqual([
      { jobId: job.id, index: 1, attempt: 1, worker: 'w1', error: 'RangeError: bad input', at: new Date(clock.now).toISOString() }
    ])
    scheduler.cancel(job.id)
    expect(scheduler.get(job.id).chunks).toEqual({ waiting: 0, running: 0, verifying: 0, done: 1, failed: 1 })
    expect(scheduler.failures()).toHaveLength(1)
    expect(() => scheduler.failures({ jobId: 'nope' })).toThrow('job "nope" not found')
    expect(() => scheduler.failures({ limit: 0 })).toThrow('limit must be an integer from 1 to 500')
  })
})

describe('chunk events', () => {
  it('tell a listener what happened to each copy, one batch per write, in order', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const batches: Array<Array<[string, number, number, string, string?]>> = []
    const off = scheduler.on('chunks', events => { batches.push(events.map(e => e.error === undefined ? [e.kind, e.index, e.attempt, e.worker] : [e.kind, e.index, e.attempt, e.worker, e.error])) })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    const [a, b, c, d] = scheduler.lease('w1', 4)
    scheduler.complete('w1', [ok(a), fail(b, 'nope')])
    scheduler.release('w1', [c.leaseId])
    scheduler.transfer('w2', [{ leaseId: d.leaseId, epoch: 1, from: 'w1', to: 'w2' }])
    clock.now += 5_000
    scheduler.expire()
    expect(batches).toEqual([
      [['leased', 0, 1, 'w1'], ['leased', 1, 1, 'w1'], ['leased', 2, 1, 'w1'], ['leased', 3, 1, 'w1']],
      [['ok', 0, 1, 'w1'], ['failed', 1, 1, 'w1', 'RangeError: nope']],
      [['lost', 2, 1, 'w1']],
      [['moved', 3, 1, 'w1'], ['leased', 3, 1, 'w2']],
      [['lost', 3, 1, 'w2']]
    ])
    off()
    scheduler.lease('w3', 1)
    expect(batches).toHaveLength(5) // nobody listens: nothing collected
    expect(scheduler.get(job.id).chunks.running).toBe(1)
  })
})
