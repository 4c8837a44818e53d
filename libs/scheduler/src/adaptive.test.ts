import { describe, expect, it } from 'vitest'
import { createScheduler, type SchedulerStore } from './index.js'
import { openSqliteStore } from './sqlite/index.js'
import { fakeTasks, ok } from './testing/fake-tasks.js'

/** A scheduler whose spot-check dice the test sets, on a store whose worker records the test can seed. */
function adaptive (): { scheduler: ReturnType<typeof createScheduler>, store: SchedulerStore, dice: { next: number } } {
  const store = openSqliteStore(':memory:')
  const dice = { next: 0.5 }
  const scheduler = createScheduler({ store, tasks: fakeTasks, random: () => dice.next }, { trustAfter: 10, minSpotCheck: 0.05 })
  return { scheduler, store, dice }
}

describe('adaptive replication', () => {
  it('gives a new worker\'s chunks a second copy, and counts both workers valid when they agree', () => {
    const { scheduler } = adaptive()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 'adaptive' })
    expect(job.options).toEqual({ replication: 'adaptive', quorum: 2, maxAttempts: 5, priority: 1 })
    const first = scheduler.lease('new', 2)
    expect(scheduler.pending().pending).toBe(2)
    const second = scheduler.lease('other', 2)
    expect(second.map(g => [g.index, g.attempt])).toEqual([[0, 2], [1, 2]])
    scheduler.complete('new', first.map(g => ok(g)))
    expect(scheduler.get(job.id).progress.done).toBe(0)
    scheduler.complete('other', second.map(g => ok(g)))
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(scheduler.workerStats().map(s => [s.worker, s.chunksDone])).toEqual([['new', 2], ['other', 2]])
  })

  it('gives a trusted worker single copies, spot-checked at a rate that falls as its record grows', () => {
    const { scheduler, store, dice } = adaptive()
    scheduler.submit({ task: 'sum', params: { n: 1000 }, chunks: 100, replication: 'adaptive' })
    const copiesFor = (worker: string): number => {
      const before = scheduler.pending().pending
      scheduler.lease(worker, 1)
      return before - scheduler.pending().pending === 1 ? 1 : 2
    }

    store.countWorker('w', { valid: 20 }) // trusted: spot-checked with p = 10/20
    dice.next = 0.49
    expect(copiesFor('w')).toBe(2)
    dice.next = 0.5
    expect(copiesFor('w')).toBe(1)

    store.countWorker('w', { valid: 80 }) // 100 valid: p = 0.1
    dice.next = 0.09
    expect(copiesFor('w')).toBe(2)
    dice.next = 0.1
    expect(copiesFor('w')).toBe(1)

    store.countWorker('w', { valid: 900 }) // 1000 valid: p would be 0.01, but never below minSpotCheck
    dice.next = 0.049
    expect(copiesFor('w')).toBe(2)
    dice.next = 0.05
    expect(copiesFor('w')).toBe(1)
  })

  it('gives a worker that is not yet trusted, or was once wrong, two copies whatever the dice', () => {
    for (const [worker, valid, invalid] of [['young', 9, 0], ['wrong', 1_000, 1], ['unknown', 0, 0]] as const) {
      const { scheduler, store, dice } = adaptive()
      scheduler.submit({ task: 'sum', params: { n: 1000 }, chunks: 100, replication: 'adaptive' })
      dice.next = 0.999
      if (valid + invalid > 0) store.countWorker(worker, { valid, invalid })
      expect(scheduler.lease(worker, 1)).toHaveLength(1)
      expect(scheduler.pending().pending).toBe(100) // 99 new chunks and the second copy of chunk 0
    }
  })

  it('decides a single trusted copy alone', () => {
    const { scheduler, store, dice } = adaptive()
    store.countWorker('w', { valid: 1_000 })
    dice.next = 0.9
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 1, replication: 'adaptive' })
    const [g] = scheduler.lease('w', 1)
    expect(scheduler.pending().pending).toBe(0)
    scheduler.complete('w', [ok(g)])
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
  })
})
