import { describe, expect, it } from 'vitest'
import type { SchedulerStore } from '../store.js'
import { harnessOn, ok } from '../testing/fake-tasks.js'
import { createMemoryStore } from './store.js'

describe('the scheduler on the memory store', () => {
  it('runs a replicated job to its exact result, outvoting and excluding a liar', () => {
    const { scheduler } = harnessOn(createMemoryStore(), { excludeAfterInvalid: 1 })
    const revoked: string[] = []
    scheduler.on('revoke', (worker) => revoked.push(worker))
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4, replication: 3, quorum: 2 })
    const honest = scheduler.lease('a', 4)
    const liar = scheduler.lease('liar', 4)
    scheduler.complete('liar', [ok(liar[0], 0)])
    expect(scheduler.complete('a', honest.map(g => ok(g))).accepted).toHaveLength(4)
    for (const g of scheduler.lease('b', 4)) scheduler.complete('b', [ok(g)])
    expect(scheduler.exclusion('liar')).toBe('outvoted 1 times')
    expect(revoked).toContain('liar')
    expect(scheduler.held('liar')).toBe(0)
    expect(scheduler.result(job.id).value).toEqual({ sum: 5050 })
    expect(scheduler.workerStats().map(s => [s.worker, s.chunksDone, s.invalid])).toEqual([['a', 4, 0], ['b', 4, 0], ['liar', 0, 1]])
  })

  it('rolls a failed write back in memory and in the store alike', () => {
    const store = createMemoryStore()
    let failOn = -1
    const flaky: SchedulerStore = new Proxy(store, {
      get (target, key) {
        const value = Reflect.get(target, key) as unknown
        if (key === 'decide') {
          return (seq: number, index: number, winner: number, agreed?: Uint8Array) => {
            if (failOn-- === 0) throw new Error('disk I/O error')
            return target.decide(seq, index, winner, agreed)
          }
        }
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
    const { scheduler } = harnessOn(flaky)
    const job = scheduler.submit({ task: 'tally', params: {}, chunks: 4 })
    const leases = scheduler.lease('w1', 4)
    failOn = 2
    expect(() => scheduler.complete('w1', leases.map(g => ok(g, 1)))).toThrow('disk I/O error')
    expect(scheduler.get(job.id).progress.done).toBe(0)
    expect(scheduler.held('w1')).toBe(4)
    expect(scheduler.complete('w1', leases.map(g => ok(g, 1))).accepted).toHaveLength(4)
    expect(scheduler.result(job.id).value).toEqual([1, 1, 1, 1])
  })
})
