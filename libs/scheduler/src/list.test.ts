import { describe, expect, it } from 'vitest'
import { harness, ok } from './testing/fake-tasks.js'

describe('job list', () => {
  it('pages newest first, 50 jobs unless asked otherwise', () => {
    const { scheduler } = harness()
    const ids = Array.from({ length: 60 }, () => scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 }).id)
    const newest = [...ids].reverse()
    expect(scheduler.list().map(j => j.id)).toEqual(newest.slice(0, 50))
    expect(scheduler.list({}).map(j => j.id)).toEqual(newest.slice(0, 50))
    expect(scheduler.list({ limit: 3 }).map(j => j.id)).toEqual(newest.slice(0, 3))
    expect(scheduler.list({ limit: 3, before: newest[2] }).map(j => j.id)).toEqual(newest.slice(3, 6))
    expect(scheduler.list({ limit: 500, before: newest[50] }).map(j => j.id)).toEqual(newest.slice(51))
    expect(scheduler.list({ before: ids[0] })).toEqual([])
  })

  it('shows each job as get does: queued, running, done and cancelled', () => {
    const { scheduler } = harness()
    const done = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2, priority: 2 })
    scheduler.complete('w1', scheduler.lease('w1', 2).map(g => ok(g)))
    const cancelled = scheduler.submit({ task: 'tally', params: {}, chunks: 3 })
    scheduler.cancel(cancelled.id)
    const running = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 2, replication: 2 })
    scheduler.lease('w1', 1)
    const queued = scheduler.submit({ task: 'tally', params: {}, chunks: 1 })
    const views = scheduler.list()
    expect(views.map(j => j.status)).toEqual(['queued', 'running', 'cancelled', 'done'])
    expect(views).toEqual([queued, running, cancelled, done].map(j => scheduler.get(j.id)))
  })

  it('names a bad option, and a `before` that names no job', () => {
    const { scheduler } = harness()
    scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    for (const limit of [0, 501, 1.5, Number.NaN, '10']) {
      expect(() => scheduler.list({ limit: limit as number })).toThrow(new RangeError('limit must be an integer from 1 to 500'))
    }
    for (const before of [7, '', null]) {
      expect(() => scheduler.list({ before: before as string })).toThrow(new TypeError('before must be a job id'))
    }
    expect(() => scheduler.list({ before: 'nope' })).toThrow(expect.objectContaining({ name: 'JobNotFoundError', message: 'job "nope" not found' }))
    expect(() => scheduler.list(null as never)).toThrow(new TypeError('page must be an object'))
  })
})
