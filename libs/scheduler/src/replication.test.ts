import { describe, expect, it } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import type { ChunkResult, Lease } from '@cycleshare/protocol'
import { harness, ok, runSum } from './testing/fake-tasks.js'

const fail = (g: Lease, message = 'boom'): ChunkResult => ({ leaseId: g.leaseId, ok: false, error: { name: 'RangeError', message } })
const at = (grants: Lease[]): Array<[number, number]> => grants.map(g => [g.index, g.attempt])

describe('replication and quorum', () => {
  it('sends the copies of a chunk to different workers and reduces their agreed result once', () => {
    const { scheduler } = harness()
    const work: number[] = []
    scheduler.on('work', p => work.push(p))
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 2, replication: 2 })
    expect(job.options).toEqual({ replication: 2, quorum: 2, maxAttempts: 5, priority: 1 })

    const first = scheduler.lease('w1', 4)
    expect(at(first)).toEqual([[0, 1], [1, 1]])
    expect(work).toEqual([2, 2]) // submit; then the second copies wait for someone else
    expect(scheduler.pending()).toEqual({ pending: 2, tasks: ['tally'] })
    expect(scheduler.lease('w1', 4)).toEqual([]) // never two copies to one worker
    const second = scheduler.lease('w2', 4)
    expect(at(second)).toEqual([[0, 2], [1, 2]])
    expect(second.map(g => g.input)).toEqual(first.map(g => g.input))

    expect(scheduler.complete('w1', first.map(g => ok(g, 1))).accepted).toEqual(first.map(g => g.leaseId))
    expect(scheduler.get(job.id).progress.done).toBe(0) // one result is not a quorum
    expect(scheduler.complete('w2', second.map(g => ok(g, 1))).accepted).toEqual(second.map(g => g.leaseId))
    expect(scheduler.result(job.id).value).toEqual([1, 1]) // each chunk reduced once
    expect(counts(scheduler.workerStats())).toEqual([
      { worker: 'w1', chunksDone: 2, chunksFailed: 0, valid: 2, invalid: 0, creditMs: 0 },
      { worker: 'w2', chunksDone: 2, chunksFailed: 0, valid: 2, invalid: 0, creditMs: 0 }
    ])
  })

  it('outvotes a liar in a 3-copy quorum of 2', () => {
    const { scheduler } = harness()
    const revoked: Array<[string, string[]]> = []
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 3, quorum: 2 })
    const [lie] = scheduler.lease('liar', 1)
    const [a] = scheduler.lease('w1', 1)
    const [b] = scheduler.lease('w2', 1)
    expect(at([lie, a, b])).toEqual([[0, 1], [0, 2], [0, 3]])

    scheduler.complete('liar', [ok(lie, 4)])
    scheduler.complete('w1', [ok(a)])
    expect(scheduler.get(job.id).status).toBe('running') // 1 against 1
    expect(scheduler.pending().pending).toBe(0) // w2's copy can still make the quorum
    scheduler.complete('w2', [ok(b)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(revoked).toEqual([])
    expect(counts(scheduler.workerStats())).toEqual([
      { worker: 'liar', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 1, creditMs: 0 },
      { worker: 'w1', chunksDone: 1, chunksFailed: 0, valid: 1, invalid: 0, creditMs: 0 },
      { worker: 'w2', chunksDone: 1, chunksFailed: 0, valid: 1, invalid: 0, creditMs: 0 }
    ])
  })

  it('decides with the quorum, revokes the third copy, and judges its late result without reducing it', () => {
    const { scheduler } = harness()
    const revoked: Array<[string, string[]]> = []
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 1, replication: 3, quorum: 2 })
    const [a] = scheduler.lease('w1', 1)
    const [b] = scheduler.lease('w2', 1)
    const [c] = scheduler.lease('w3', 1)
    scheduler.complete('w1', [ok(a, 1)])
    scheduler.complete('w2', [ok(b, 1)])
    expect(scheduler.result(job.id).value).toEqual([1])
    expect(revoked).toEqual([['w3', [c.leaseId]]])
    expect(scheduler.renew('w3', [c.leaseId]).lost).toEqual([c.leaseId])
  })

  it('judges a late result of a decided chunk for trust, and never reduces it', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 3, quorum: 2 })
    const [a] = scheduler.lease('w1', 1)
    const [b] = scheduler.lease('w2', 1)
    const [c] = scheduler.lease('liar', 1)
    scheduler.complete('w1', [ok(a)])
    scheduler.complete('w2', [ok(b)])
    expect(scheduler.complete('liar', [ok(c, 7), ok(c, 7)])).toEqual({ accepted: [c.leaseId, c.leaseId], rejected: [] })
    expect(scheduler.get(job.id).progress.done).toBe(1)
    expect(counts(scheduler.workerStats()).find(s => s.worker === 'liar')).toEqual({ worker: 'liar', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 1, creditMs: 0 })
  })

  it('issues more copies when results disagree, until a quorum agrees', () => {
    const { scheduler } = harness()
    const work: number[] = []
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 2 })
    scheduler.on('work', p => work.push(p))
    const [a] = scheduler.lease('w1', 1)
    const [b] = scheduler.lease('w2', 1)
    scheduler.complete('w1', [ok(a)])
    expect(scheduler.pending().pending).toBe(0)
    scheduler.complete('w2', [ok(b, 1)])
    expect(work).toEqual([1, 1]) // w1's lease left a copy for someone else; now a third copy is needed
    expect(scheduler.lease('w1', 1)).toEqual([])
    expect(scheduler.lease('w2', 1)).toEqual([])
    const [c] = scheduler.lease('w3', 1)
    expect(at([c])).toEqual([[0, 3]])
    scheduler.complete('w3', [ok(c, runSum(c))])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(scheduler.workerStats().map(s => [s.worker, s.chunksDone, s.invalid])).toEqual([['w1', 1, 0], ['w2', 0, 1], ['w3', 1, 0]])
  })

  it('fails the chunk after maxAttempts results without a quorum, naming the conflicting results', () => {
    const { scheduler } = harness()
    const revoked: Array<[string, string[]]> = []
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 3, maxAttempts: 5 })
    const peers = ['12D3KooWAlpha0000000000000000', '12D3KooWBravo0000000000000000', '12D3KooWCharlie000000000000000', 'w4', 'w5']
    const outputs: Array<number | 'fail'> = [1, 1, 2, 'fail', 3]
    let other: Lease | undefined
    for (let i = 0; i < peers.length; i++) {
      const grants = scheduler.lease(peers[i], 2)
      const g = grants.find(x => x.index === 0) as Lease
      other ??= grants.find(x => x.index === 1)
      const output = outputs[i]
      scheduler.complete(peers[i], [output === 'fail' ? fail(g, 'out of memory') : ok(g, output)])
    }
    const failed = scheduler.get(job.id)
    expect(failed.status).toBe('failed')
    expect(failed.error).toBe(
      'chunk 0 of sum: no 3 of 5 results agree: 1 from 12D3KooW…(×2), 2 from 12D3KooW…, 3 from w5, RangeError: out of memory from w4'
    )
    expect(revoked.flatMap(([, ids]) => ids)).toContain(other?.leaseId)
  })

  it('keeps the conflict message under a kilobyte', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 2, maxAttempts: 60 })
    for (let i = 0; i < 60; i++) {
      const worker = `12D3KooWPeer${i.toString().padStart(40, '0')}`
      const [g] = scheduler.lease(worker, 1)
      scheduler.complete(worker, [ok(g, 1_000_000_000 + i)])
    }
    const { error } = scheduler.get(job.id)
    expect(error).toMatch(/^chunk 0 of sum: no 2 of 60 results agree: 1000000000 from 12D3KooW…, 1000000001 from 12D3KooW…, /)
    expect(error).toMatch(/, …$/)
    expect((error as string).length).toBeLessThanOrEqual(1_000)
  })

  it('keeps the replication when a copy is lost, without counting it as a result', () => {
    const { scheduler, clock } = harness({ leaseTtlMs: 1_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 2, maxAttempts: 2 })
    const [a] = scheduler.lease('w1', 1)
    const [b] = scheduler.lease('w2', 1)
    expect(scheduler.release('w2', [b.leaseId])).toEqual([b.leaseId])
    clock.now += 1_000
    expect(scheduler.expire()).toBe(1)
    expect(scheduler.pending().pending).toBe(2)
    const [c] = scheduler.lease('w3', 1)
    const [d] = scheduler.lease('w2', 1)
    expect(at([c, d])).toEqual([[0, 3], [0, 4]])
    scheduler.complete('w3', [ok(c)])
    scheduler.complete('w2', [ok(d)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    // the job is done: a's late result is refused like any other
    expect(scheduler.complete('w1', [ok(a)]).rejected).toEqual([{ leaseId: a.leaseId, reason: 'job done' }])
  })
})
