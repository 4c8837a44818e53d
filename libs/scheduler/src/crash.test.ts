import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteDatabase as Database } from './sqlite/index.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { counts } from './testing/store-fixtures.js'
import { createScheduler, type SchedulerStore } from './index.js'
import { encode } from './codec.js'
import { openSqliteStore } from './sqlite/index.js'
import { migrations } from './sqlite/schema.js'
import { fakeTasks, harness, ok } from './testing/fake-tasks.js'

describe('crash safety', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'cycleshare-scheduler-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('carries on after an unclean stop, with no result lost or counted twice', () => {
    const path = join(dir, 'scheduler.db')
    const clock = { now: 1_700_000_000_000 }
    const first = harness({ leaseTtlMs: 1_000 }, path, clock)
    const job = first.scheduler.submit({ task: 'tally', params: {}, chunks: 50 })
    const sum = first.scheduler.submit({ task: 'sum', params: { n: 1000 }, chunks: 10 })
    const grants = first.scheduler.lease('w1', 20)
    // grants come grouped by job: 10 of tally, then 10 of sum
    first.scheduler.complete('w1', grants.slice(0, 12).map(g => ok(g, g.task === 'sum' ? sumOf(g.input) : 1)))
    expect(first.scheduler.release('w1', [grants[12].leaseId])).toEqual([grants[12].leaseId])
    // `first` is never closed: as good as killed. A second process opens the same file.

    clock.now += 60_000 // down for longer than the lease ttl
    const second = harness({ leaseTtlMs: 1_000 }, path, clock)
    const { scheduler } = second
    expect(scheduler.get(job.id)).toMatchObject({ status: 'running', progress: { done: 10, total: 50 } })
    expect(scheduler.get(sum.id)).toMatchObject({ status: 'running', progress: { done: 2, total: 10 } })
    // 50 + 10 chunks, 20 leased, 1 of them given back
    expect(scheduler.pending()).toEqual({ pending: 41, tasks: ['tally', 'sum'] })
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'w1', chunksDone: 12, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 }])

    scheduler.start()
    const live = grants.slice(13).map(g => g.leaseId)
    expect(scheduler.renew('w1', live)).toEqual({ renewed: live, lost: [], ttlMs: 1_000, refused: [] })
    expect(scheduler.expire()).toBe(0)

    // the worker resends everything it holds: done ones are duplicates, the rest count now
    const resend = grants.filter((_, i) => i !== 12).map(g => ok(g, g.task === 'sum' ? sumOf(g.input) : 1))
    expect(scheduler.complete('w1', resend).accepted).toHaveLength(19)
    for (let batch = scheduler.lease('w2', 7); batch.length > 0; batch = scheduler.lease('w2', 7)) {
      scheduler.complete('w2', batch.map(g => ok(g, g.task === 'sum' ? sumOf(g.input) : 1)))
    }
    expect(scheduler.result(job.id).value).toEqual(new Array(50).fill(1))
    expect(scheduler.result(sum.id).value).toEqual({ sum: 500_500 })
    expect(counts(scheduler.workerStats())).toEqual([
      { worker: 'w1', chunksDone: 19, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 },
      { worker: 'w2', chunksDone: 41, chunksFailed: 0, valid: 0, invalid: 0, creditMs: 0 }
    ])
    scheduler.close()
    first.scheduler.close()

    // and once more, cleanly: the finished jobs read back the same
    const third = harness({}, path, clock).scheduler
    expect(third.list().map(j => [j.task, j.status, j.progress.done])).toEqual([['sum', 'done', 10], ['tally', 'done', 50]])
    expect(third.result(sum.id).value).toEqual({ sum: 500_500 })
    third.close()
  })

  it('carries on mid-quorum after an unclean stop: copies, stored results, needed copies and trust', () => {
    const path = join(dir, 'quorum.db')
    const clock = { now: 1_700_000_000_000 }
    const first = harness({ leaseTtlMs: 1_000 }, path, clock).scheduler
    const job = first.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 3, quorum: 2, priority: 3 })
    const [a0, a1] = first.lease('w1', 2)
    const [b0, b1] = first.lease('w2', 2)
    first.complete('w1', [ok(a0), ok(a1, 1)])
    first.complete('w2', [ok(b1)]) // chunk 1: 1 against 1, a third copy still to come
    // `first` is never closed: as good as killed.

    clock.now += 60_000
    const { scheduler } = harness({ leaseTtlMs: 1_000 }, path, clock)
    expect(scheduler.get(job.id)).toMatchObject({
      status: 'running', progress: { done: 0, total: 2 }, options: { replication: 3, quorum: 2, maxAttempts: 5, priority: 3 }
    })
    expect(scheduler.pending()).toEqual({ pending: 2, tasks: ['sum'] }) // the third copy of each chunk
    scheduler.start()
    expect(scheduler.renew('w2', [b0.leaseId]).renewed).toEqual([b0.leaseId])
    expect(scheduler.lease('w1', 2)).toEqual([])
    expect(scheduler.lease('w2', 2)).toEqual([])
    // w2's result for chunk 0 agrees with w1's stored one: decided
    scheduler.complete('w2', [ok(b0)])
    expect(scheduler.get(job.id).progress.done).toBe(1)
    const [c1] = scheduler.lease('w3', 2)
    expect([c1.index, c1.attempt]).toEqual([1, 3])
    scheduler.complete('w3', [ok(c1)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(counts(scheduler.workerStats())).toEqual([
      { worker: 'w1', chunksDone: 1, chunksFailed: 0, valid: 1, invalid: 1, creditMs: 0 },
      { worker: 'w2', chunksDone: 2, chunksFailed: 0, valid: 2, invalid: 0, creditMs: 0 },
      { worker: 'w3', chunksDone: 1, chunksFailed: 0, valid: 1, invalid: 0, creditMs: 0 }
    ])
    scheduler.close()
    first.close()
  })

  it('migrates a database of the first schema, live leases and waiting chunks included', () => {
    const path = join(dir, 'v1.db')
    const db = new Database(path)
    db.exec(migrations[0])
    db.pragma('user_version = 1')
    db.prepare(`INSERT INTO jobs (seq, id, task, params, chunks, next_index, done, status, acc, created_at)
      VALUES (1, 'oldjob000000', 'sum', ?, 4, 3, 1, 'running', ?, 1)`).run(encode({ n: 100 }), encode(25 * 26 / 2))
    db.prepare(`INSERT INTO chunks VALUES (1, 0, 'done', 1, 0, 'aaaaaaaaaaaa', 'w1', 0),
      (1, 1, 'leased', 2, 1, 'bbbbbbbbbbbbcccccccccccc', 'w1', 1700000001000),
      (1, 2, 'retry', 1, 0, 'dddddddddddd', 'w2', 0)`).run()
    db.prepare(`INSERT INTO workers VALUES ('w1', 1, 1)`).run()
    db.close()

    const clock = { now: 1_700_000_000_000 }
    const { scheduler } = harness({ leaseTtlMs: 1_000 }, path, clock)
    expect(scheduler.get('oldjob000000')).toMatchObject({ status: 'running', progress: { done: 1, total: 4 }, options: { replication: 1, maxAttempts: 5 } })
    expect(scheduler.pending()).toEqual({ pending: 2, tasks: ['sum'] })
    expect(counts(scheduler.workerStats())).toEqual([{ worker: 'w1', chunksDone: 1, chunksFailed: 1, valid: 0, invalid: 0, creditMs: 0 }])
    const live = '1.1.2.cccccccccccc'
    expect(scheduler.renew('w1', [live]).renewed).toEqual([live])
    expect(scheduler.complete('w1', [{ leaseId: live, ok: true, output: sumOf({ from: 26, to: 50 }) }]).accepted).toEqual([live])
    for (let batch = scheduler.lease('w2', 4); batch.length > 0; batch = scheduler.lease('w2', 4)) {
      scheduler.complete('w2', batch.map(g => ok(g, sumOf(g.input))))
    }
    expect(scheduler.result('oldjob000000').value).toEqual({ sum: 5050 })
    scheduler.close()
  })

  /**
   * A database at schema version `version` holding job `v<version>job0000000`: a `sum` over 1..100 in
   * two chunks, the first done (1,275), the second out on `w1` until 1,700,000,001,000.
   */
  function halfDoneJobAtSchema (version: number): string {
    const path = join(dir, `v${version}.db`)
    const db = new Database(path)
    for (const migration of migrations.slice(0, version)) db.exec(migration)
    db.pragma(`user_version = ${version}`)
    db.prepare(`INSERT INTO jobs (seq, id, task, params, chunks, next_index, done, status, acc, created_at, replication, quorum, max_attempts)
      VALUES (1, ?, 'sum', ?, 2, 2, 1, 'running', ?, 1, 1, 1, 5)`).run(`v${version}job0000000`, encode({ n: 100 }), encode(1275))
    db.prepare(`INSERT INTO chunks (job_seq, idx, state, attempt, failures, tags, target, quorum, needed, results, waiting_since)
      VALUES (1, 0, 'done', 1, 0, 'aaaaaaaaaaaa', 1, 1, 0, 0, 0), (1, 1, 'open', 1, 0, 'bbbbbbbbbbbb', 1, 1, 0, 0, 1)`).run()
    db.prepare(`INSERT INTO copies (job_seq, idx, attempt, tag, worker, state, leased_at, deadline)
      VALUES (1, 1, 1, 'bbbbbbbbbbbb', 'w1', 'live', 1, 1700000001000)`).run()
    db.close()
    return path
  }

  it('migrates a database of schema version 3: live leases kept, each at epoch 1', () => {
    const path = halfDoneJobAtSchema(3)

    const clock = { now: 1_700_000_000_000 }
    const { scheduler } = harness({ leaseTtlMs: 1_000 }, path, clock)
    const read = new Database(path, { readonly: true })
    expect(read.pragma('user_version', { simple: true })).toBe(migrations.length)
    expect(read.prepare('SELECT worker, state, epoch FROM copies').all()).toEqual([{ worker: 'w1', state: 'live', epoch: 1 }])
    read.close()
    expect(scheduler.held('w1')).toBe(1)
    const live = '1.1.1.bbbbbbbbbbbb'
    expect(scheduler.renew('w1', [live]).renewed).toEqual([live])
    expect(scheduler.complete('w1', [{ leaseId: live, ok: true, output: sumOf({ from: 51, to: 100 }) }]).accepted).toEqual([live])
    expect(scheduler.result('v3job0000000').value).toEqual({ sum: 5050 })
    scheduler.close()
  })

  it('migrates a database of schema version 4: copies keep no checkpoint until one is sent, and it outlives a restart', () => {
    const path = halfDoneJobAtSchema(4)

    const clock = { now: 1_700_000_000_000 }
    const first = harness({ leaseTtlMs: 1_000 }, path, clock)
    const read = new Database(path, { readonly: true })
    expect(read.prepare('SELECT worker, state, checkpoint FROM copies').all()).toEqual([{ worker: 'w1', state: 'live', checkpoint: null }])
    read.close()
    const live = '1.1.1.bbbbbbbbbbbb'
    // chunk 1 adds 51..100: 51..60 make 555
    expect(first.scheduler.renew('w1', [live], [{ leaseId: live, state: { next: 61, partial: 555 } }]).refused).toEqual([])
    first.scheduler.close()

    clock.now += 1_000
    const { scheduler } = harness({ leaseTtlMs: 1_000 }, path, clock)
    expect(scheduler.expire()).toBe(1)
    const [again] = scheduler.lease('w2', 1)
    expect(again).toMatchObject({ index: 1, attempt: 2, resume: { next: 61, partial: 555 } })
    expect(scheduler.complete('w2', [ok(again, sumOf(again.input))]).accepted).toEqual([again.leaseId])
    expect(scheduler.result('v4job0000000').value).toEqual({ sum: 5050 })
    scheduler.close()
  })

  it('keeps memory and store in step when a write fails half-way', () => {
    let failOn = -1
    const store = openSqliteStore(join(dir, 'half.db'))
    // A store whose decide fails on a chosen call, like a disk error in the middle of a batch.
    const flaky: SchedulerStore = new Proxy(store, {
      get (target, key) {
        const value = Reflect.get(target, key) as unknown
        if (key === 'decide') {
          return (seq: number, index: number, winner: number, agreed: Uint8Array) => {
            if (failOn-- === 0) throw new Error('disk I/O error')
            return target.decide(seq, index, winner, agreed)
          }
        }
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
    const scheduler = createScheduler({ store: flaky, tasks: fakeTasks })
    const events: string[] = []
    scheduler.on('job', j => events.push(`${j.status}:${j.progress.done}`))
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 4 })
    const grants = scheduler.lease('w1', 4)
    events.length = 0

    failOn = 2
    expect(() => scheduler.complete('w1', grants.map(g => ok(g, 1)))).toThrow('disk I/O error')
    expect(events).toEqual([]) // nothing was committed, so nothing was announced
    expect(scheduler.get(job.id).progress.done).toBe(0)

    expect(scheduler.complete('w1', grants.map(g => ok(g, 1))).accepted).toHaveLength(4)
    expect(scheduler.result(job.id).value).toEqual([1, 1, 1, 1])
    scheduler.close()
  })
})

function sumOf (input: unknown): number {
  const { from, to } = input as { from: number, to: number }
  return (from + to) * (to - from + 1) / 2
}
