import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createScheduler, openSqliteStore } from './index.js'
import { fakeTasks, harness } from './testing/fake-tasks.js'

describe('submit', () => {
  it('queues a job and reports it', () => {
    const { scheduler } = harness()
    const job = scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    expect(job).toEqual({
      id: job.id,
      task: 'sum',
      status: 'queued',
      progress: { done: 0, total: 10 },
      createdAt: new Date(1_700_000_000_000).toISOString()
    })
    expect(job.id).toMatch(/^[\w-]{12}$/)
    expect(scheduler.get(job.id)).toEqual(job)
    expect(scheduler.pending()).toEqual({ pending: 10, tasks: ['sum'] })
  })

  it.each([
    [null, 'request'],
    [{ params: {}, chunks: 1 }, 'task'],
    [{ task: '', params: {}, chunks: 1 }, 'task'],
    [{ task: 'sum', params: { n: 10 }, chunks: 0 }, 'chunks'],
    [{ task: 'sum', params: { n: 10 }, chunks: 1.5 }, 'chunks'],
    [{ task: 'sum', params: { n: 10 }, chunks: '2' }, 'chunks'],
    [{ task: 'sum', params: { n: 1e9 }, chunks: 10_000_001 }, 'chunks'],
    [{ task: 'sum', params: { n: -1 }, chunks: 1 }, 'params.n'],
    [{ task: 'sum', params: null, chunks: 1 }, 'params.n'],
    // the task's own check of the chunk count against its params
    [{ task: 'sum', params: { n: 3 }, chunks: 4 }, 'chunks']
  ])('rejects %j naming %s', (req, field) => {
    const { scheduler } = harness()
    let thrown: unknown
    try { scheduler.submit(req as never) } catch (err) { thrown = err }
    expect(thrown).toMatchObject({ name: 'InvalidJobError', field })
    expect((thrown as Error).message).toContain(field === 'request' ? 'request' : field)
    expect(scheduler.list()).toEqual([])
  })

  it('rejects an unknown task', () => {
    const { scheduler } = harness()
    expect(() => scheduler.submit({ task: 'nope', params: {}, chunks: 1 }))
      .toThrow(expect.objectContaining({ name: 'UnknownTaskError', message: 'unknown task "nope"' }))
  })

  it('honours maxChunks', () => {
    const { scheduler } = harness({ maxChunks: 5 })
    expect(() => scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 6 }))
      .toThrow(expect.objectContaining({ name: 'InvalidJobError', field: 'chunks', message: 'chunks must be an integer from 1 to 5' }))
  })

  it('lists newest first and says why a job has no result', () => {
    const { scheduler, clock } = harness()
    const a = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    clock.now += 1
    const b = scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    expect(scheduler.list().map(j => j.id)).toEqual([b.id, a.id])
    expect(() => scheduler.result(a.id)).toThrow(expect.objectContaining({ name: 'JobNotDoneError', message: `job "${a.id}" is queued, not done` }))
    expect(() => scheduler.get('nope')).toThrow(expect.objectContaining({ name: 'JobNotFoundError' }))
    expect(() => scheduler.result('nope')).toThrow(expect.objectContaining({ name: 'JobNotFoundError' }))
    expect(() => scheduler.cancel('nope')).toThrow(expect.objectContaining({ name: 'JobNotFoundError' }))
  })
})

describe('lazy splitting', () => {
  let dir: string | undefined
  afterEach(() => { if (dir !== undefined) rmSync(dir, { recursive: true, force: true }) })

  it('submits a 1,000,000-chunk job in milliseconds, with no chunk rows until leased', () => {
    dir = mkdtempSync(join(tmpdir(), 'cycleshare-scheduler-'))
    const path = join(dir, 'lazy.db')
    const scheduler = createScheduler({ store: openSqliteStore(path), tasks: fakeTasks })
    const started = performance.now()
    const job = scheduler.submit({ task: 'sum', params: { n: 10_000_000 }, chunks: 1_000_000 })
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(50)
    expect(scheduler.pending()).toEqual({ pending: 1_000_000, tasks: ['sum'] })

    const db = new Database(path, { readonly: true })
    const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
    expect(count('jobs')).toBe(1)
    expect(count('chunks')).toBe(0)

    const grants = scheduler.lease('w1', 3)
    expect(grants.map(g => [g.index, g.input])).toEqual([
      [0, { from: 1, to: 10 }], [1, { from: 11, to: 20 }], [2, { from: 21, to: 30 }]
    ])
    expect(count('chunks')).toBe(3)
    expect(scheduler.pending().pending).toBe(999_997)
    expect(scheduler.get(job.id).status).toBe('running')
    db.close()
    scheduler.close()
  })
})

describe('options', () => {
  it.each(['leaseTtlMs', 'maxAttempts', 'maxChunks', 'expireIntervalMs'])('rejects a bad %s', key => {
    for (const value of [0, -1, 1.5, Number.NaN, '10']) {
      expect(() => createScheduler({ store: openSqliteStore(':memory:'), tasks: fakeTasks }, { [key]: value }))
        .toThrow(new RangeError(`options.${key} must be a positive integer`))
    }
  })
})
