import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import { harness, ok } from './testing/fake-tasks.js'

describe('trust', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'cycleshare-trust-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('excludes a worker outvoted 3 times: its pulls get nothing, its results are refused, across a restart', () => {
    const path = join(dir, 'trust.db')
    const clock = { now: 1_700_000_000_000 }
    const { scheduler } = harness({}, path, clock)
    const revoked: Array<[string, string[]]> = []
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 5, replication: 2 })

    // the liar takes one copy of every chunk; honest workers take the others
    const lies = scheduler.lease('liar', 5)
    expect(lies).toHaveLength(5)
    for (let i = 0; i < 3; i++) {
      const [a] = scheduler.lease('h1', 1)
      expect(a.index).toBe(i)
      scheduler.complete('h1', [ok(a)])
      expect(scheduler.complete('liar', [ok(lies[i], -1)]).accepted).toEqual([lies[i].leaseId])
      const [b] = scheduler.lease('h2', 1)
      expect(b.index).toBe(i)
      scheduler.complete('h2', [ok(b)])
    }
    expect(scheduler.exclusion('liar')).toBe('outvoted 3 times')
    expect(scheduler.exclusion('h1')).toBeUndefined()
    // its two copies still out are revoked and reissued at once
    expect(revoked).toEqual([['liar', [lies[3].leaseId, lies[4].leaseId]]])
    expect(scheduler.lease('liar', 5)).toEqual([])
    expect(scheduler.renew('liar', [lies[3].leaseId]).lost).toEqual([lies[3].leaseId])
    expect(scheduler.complete('liar', [ok(lies[3])])).toEqual({
      accepted: [], rejected: [{ leaseId: lies[3].leaseId, reason: 'worker excluded: outvoted 3 times' }]
    })

    for (const worker of ['h1', 'h2']) {
      const grants = scheduler.lease(worker, 5)
      expect(grants.map(g => g.index)).toEqual([3, 4])
      scheduler.complete(worker, grants.map(g => ok(g)))
    }
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    const stats = [
      { worker: 'h1', chunksDone: 5, chunksFailed: 0, valid: 5, invalid: 0, creditMs: 0 },
      { worker: 'h2', chunksDone: 5, chunksFailed: 0, valid: 5, invalid: 0, creditMs: 0 },
      { worker: 'liar', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 3, creditMs: 0, excluded: 'outvoted 3 times' }
    ]
    expect(counts(scheduler.workerStats())).toEqual(stats)
    scheduler.close()

    const reopened = harness({}, path, clock).scheduler
    expect(reopened.exclusion('liar')).toBe('outvoted 3 times')
    expect(counts(reopened.workerStats())).toEqual(stats)
    reopened.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    expect(reopened.lease('liar', 1)).toEqual([])
    expect(reopened.lease('h1', 1)).toHaveLength(1)
    reopened.close()
  })

  it('honours excludeAfterInvalid, and counts failures apart from lies', () => {
    const { scheduler } = harness({ excludeAfterInvalid: 1 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 2, quorum: 1 })
    // quorum 1 of 2 copies: the first result decides, the second is judged against it
    const [a, b] = scheduler.lease('w1', 2)
    const [c, d] = scheduler.lease('w2', 2)
    scheduler.complete('w1', [ok(a), { leaseId: b.leaseId, ok: false, error: { name: 'Error', message: 'x' } }])
    expect(scheduler.exclusion('w1')).toBeUndefined()
    scheduler.complete('w2', [ok(c, 3), ok(d)])
    expect(scheduler.exclusion('w2')).toBe('outvoted 1 times')
    expect(counts(scheduler.workerStats())).toEqual([
      { worker: 'w1', chunksDone: 1, chunksFailed: 1, valid: 0, invalid: 0, creditMs: 0 },
      { worker: 'w2', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 1, creditMs: 0, excluded: 'outvoted 1 times' }
    ])
  })
})
