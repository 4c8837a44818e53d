import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createScheduler, openSqliteStore, type SchedulerStore } from './index.js'
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
    expect(scheduler.workerStats()).toEqual([{ worker: 'w1', chunksDone: 12, chunksFailed: 0 }])

    scheduler.start()
    const live = grants.slice(13).map(g => g.leaseId)
    expect(scheduler.renew('w1', live)).toEqual({ renewed: live, lost: [], ttlMs: 1_000 })
    expect(scheduler.expire()).toBe(0)

    // the worker resends everything it holds: done ones are duplicates, the rest count now
    const resend = grants.filter((_, i) => i !== 12).map(g => ok(g, g.task === 'sum' ? sumOf(g.input) : 1))
    expect(scheduler.complete('w1', resend).accepted).toHaveLength(19)
    for (let batch = scheduler.lease('w2', 7); batch.length > 0; batch = scheduler.lease('w2', 7)) {
      scheduler.complete('w2', batch.map(g => ok(g, g.task === 'sum' ? sumOf(g.input) : 1)))
    }
    expect(scheduler.result(job.id).value).toEqual(new Array(50).fill(1))
    expect(scheduler.result(sum.id).value).toEqual({ sum: 500_500 })
    expect(scheduler.workerStats()).toEqual([
      { worker: 'w1', chunksDone: 19, chunksFailed: 0 },
      { worker: 'w2', chunksDone: 41, chunksFailed: 0 }
    ])
    scheduler.close()
    first.scheduler.close()

    // and once more, cleanly: the finished jobs read back the same
    const third = harness({}, path, clock).scheduler
    expect(third.list().map(j => [j.task, j.status, j.progress.done])).toEqual([['sum', 'done', 10], ['tally', 'done', 50]])
    expect(third.result(sum.id).value).toEqual({ sum: 500_500 })
    third.close()
  })

  it('keeps memory and store in step when a write fails half-way', () => {
    let failOn = -1
    const store = openSqliteStore(join(dir, 'half.db'))
    // A store whose markDone fails on a chosen call, like a disk error in the middle of a batch.
    const flaky: SchedulerStore = new Proxy(store, {
      get (target, key) {
        const value = Reflect.get(target, key) as unknown
        if (key === 'markDone') {
          return (seq: number, index: number) => {
            if (failOn-- === 0) throw new Error('disk I/O error')
            target.markDone(seq, index)
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
