import { describe, expect, it } from 'vitest'
import { harness, ok, sumUpTo } from './testing/fake-tasks.js'

describe('straggler backups', () => {
  it('back up the slowest in-flight chunk on an idle worker; the first result wins and the other copy is revoked', () => {
    const { scheduler, clock } = harness({ backupMinMs: 1_000, backupFactor: 2, leaseTtlMs: 60_000 })
    const revoked: Array<[string, string[]]> = []
    scheduler.on('revoke', (worker, ids) => revoked.push([worker, ids]))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    const [a, slow] = scheduler.lease('w1', 2)
    const [b, slower] = scheduler.lease('w2', 2)
    clock.now += 600
    scheduler.complete('w1', [ok(a)])
    scheduler.complete('w2', [ok(b)]) // median 600 ms: a straggler runs over max(1 s, 2 × 600 ms)

    clock.now += 600 // 1.2 s in: not yet
    expect(scheduler.lease('idle', 4)).toEqual([])
    clock.now += 1 // 1.201 s: both over 1.2 s; only one slot asked
    const [backup] = scheduler.lease('idle', 1)
    expect(backup).toMatchObject({ index: slow.index, attempt: 2, input: slow.input })
    const [second] = scheduler.lease('w1', 4)
    expect(second).toMatchObject({ index: slower.index, attempt: 2 }) // w1's own chunk is not offered to it
    expect(scheduler.lease('idle2', 4)).toEqual([]) // one backup per chunk
    expect(scheduler.get(job.id).stats).toEqual({ backups: 2, backupWins: 0, resumed: 0, transfers: 0 })

    scheduler.complete('idle', [ok(backup)])
    expect(revoked).toEqual([['w1', [slow.leaseId]]])
    expect(scheduler.get(job.id)).toMatchObject({ progress: { done: 3, total: 4 }, stats: { backups: 2, backupWins: 1 } })
    // the straggler's own result is acknowledged, not reduced again
    expect(scheduler.complete('w1', [ok(slow)]).accepted).toEqual([slow.leaseId])
    expect(scheduler.get(job.id).progress.done).toBe(3)
    scheduler.complete('w2', [ok(slower)]) // the original wins this one
    expect(revoked).toEqual([['w1', [slow.leaseId]], ['w1', [second.leaseId]]])
    expect(scheduler.get(job.id)).toMatchObject({ status: 'done', stats: { backups: 2, backupWins: 1 } })
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    // w1's late result of its straggler agreed with the backup's: valid
    expect(scheduler.workerStats().map(s => [s.worker, s.chunksDone])).toEqual([['idle', 1], ['w1', 2], ['w2', 2]])
  })

  it('start from the straggler\'s latest checkpoint, which the straggler keeps', () => {
    const { scheduler, clock } = harness({ backupMinMs: 1_000, backupFactor: 2, leaseTtlMs: 60_000 })
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2 })
    const [a, slow] = scheduler.lease('w1', 2)
    clock.now += 400
    scheduler.complete('w1', [ok(a)])
    expect(scheduler.renew('w1', [slow.leaseId], [{ leaseId: slow.leaseId, state: sumUpTo(slow, 70) }]).refused).toEqual([])
    clock.now += 1_000 // past max(1 s, 2 × 400 ms)
    const [backup] = scheduler.lease('idle', 1)
    expect(backup).toMatchObject({ index: slow.index, attempt: 2, resume: sumUpTo(slow, 70) })
    expect(scheduler.get(job.id).stats).toEqual({ backups: 1, backupWins: 0, resumed: 1, transfers: 0 })
    scheduler.complete('idle', [ok(backup)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
  })

  it('wait for a job\'s own pace, and are never made for replicated jobs', () => {
    const { scheduler, clock } = harness({ backupMinMs: 1_000, backupFactor: 2, leaseTtlMs: 60_000 })
    scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 3 })
    scheduler.submit({ task: 'tally', params: {}, chunks: 1, replication: 2 })
    const [a, b] = scheduler.lease('w1', 2, ['sum'])
    scheduler.lease('w2', 1, ['tally'])
    scheduler.lease('w3', 1, ['tally'])
    clock.now += 5_000
    scheduler.complete('w1', [ok(a)]) // median 5 s: stragglers only past 10 s
    const [c] = scheduler.lease('w1', 1, ['sum'])
    clock.now += 5_001 // b at 10.001 s, c at 5.001 s; the tally copies are old but replicated
    expect(scheduler.lease('idle', 4).map(g => [g.index, g.attempt])).toEqual([[b.index, 2]])
    expect(c.index).toBe(2)
  })

  it('are never made when turned off', () => {
    const { scheduler, clock } = harness({ backupMinMs: 1_000, backupFactor: 2, leaseTtlMs: 60_000, stragglerBackups: false })
    const job = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2 })
    const [a] = scheduler.lease('w1', 1)
    scheduler.lease('w2', 1)
    clock.now += 100
    scheduler.complete('w1', [ok(a)])
    clock.now += 60_000 - 101
    expect(scheduler.lease('idle', 4)).toEqual([])
    expect(scheduler.get(job.id).stats).toEqual({ backups: 0, backupWins: 0, resumed: 0, transfers: 0 })
  })
})
