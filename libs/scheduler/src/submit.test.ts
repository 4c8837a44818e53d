import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteDatabase as Database } from './sqlite/index.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createScheduler } from './index.js'
import { openSqliteStore } from './sqlite/index.js'
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
      chunks: { waiting: 10, running: 0, verifying: 0, done: 0, failed: 0 },
      options: { replication: 1, quorum: 1, maxAttempts: 5, priority: 1 },
      stats: { backups: 0, backupWins: 0, resumed: 0, transfers: 0 },
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

  it.each([
    [{ replication: 0 }, 'replication', 'replication must be an integer from 1 to 10 or "adaptive"'],
    [{ replication: 11 }, 'replication', 'replication must be an integer from 1 to 10 or "adaptive"'],
    [{ replication: 'twice' }, 'replication', 'replication must be an integer from 1 to 10 or "adaptive"'],
    [{ replication: 2, quorum: 3 }, 'quorum', 'quorum must be an integer from 1 to 2'],
    [{ quorum: 0 }, 'quorum', 'quorum must be an integer from 1 to 1'],
    [{ replication: 'adaptive', quorum: 1 }, 'quorum', 'quorum cannot be set with adaptive replication'],
    [{ maxAttempts: 0 }, 'maxAttempts', 'maxAttempts must be an integer from 1 to 100'],
    [{ maxAttempts: 101 }, 'maxAttempts', 'maxAttempts must be an integer from 1 to 100'],
    [{ chunkTimeoutMs: 99 }, 'chunkTimeoutMs', 'chunkTimeoutMs must be an integer from 100 to 86400000'],
    [{ chunkTimeoutMs: 86_400_001 }, 'chunkTimeoutMs', 'chunkTimeoutMs must be an integer from 100 to 86400000'],
    [{ priority: 0 }, 'priority', 'priority must be an integer from 1 to 100'],
    [{ priority: 1.5 }, 'priority', 'priority must be an integer from 1 to 100'],
    [{ priority: '2' }, 'priority', 'priority must be an integer from 1 to 100']
  ])('rejects the option %j naming %s', (options, field, message) => {
    const { scheduler } = harness()
    expect(() => scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1, ...options } as never))
      .toThrow(expect.objectContaining({ name: 'InvalidJobError', field, message }))
    expect(scheduler.list()).toEqual([])
  })

  it('fills in option defaults and stores them with the job', () => {
    const { scheduler } = harness({ maxAttempts: 4 })
    const views = [
      scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1, replication: 3 }),
      scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1, replication: 10, quorum: 6, maxAttempts: 30, chunkTimeoutMs: 100, priority: 100 }),
      scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1, replication: 'adaptive' })
    ]
    expect(views.map(v => v.options)).toEqual([
      { replication: 3, quorum: 3, maxAttempts: 5, priority: 1 },
      { replication: 10, quorum: 6, maxAttempts: 30, chunkTimeoutMs: 100, priority: 100 },
      { replication: 'adaptive', quorum: 2, maxAttempts: 4, priority: 1 }
    ])
    expect(scheduler.list().reverse().map(v => v.options)).toEqual(views.map(v => v.options))
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
  it.each(['leaseTtlMs', 'maxAttempts', 'maxChunks', 'expireIntervalMs', 'excludeAfterInvalid', 'trustAfter', 'backupMinMs'])('rejects a bad %s', key => {
    for (const value of [0, -1, 1.5, Number.NaN, '10']) {
      expect(() => createScheduler({ store: openSqliteStore(':memory:'), tasks: fakeTasks }, { [key]: value }))
        .toThrow(new RangeError(`options.${key} must be a positive integer`))
    }
  })

  it.each([
    ['sameWorkerRetryMs', [-1, 1.5, '5'], 'options.sameWorkerRetryMs must be a non-negative integer'],
    ['minSpotCheck', [-0.1, 1.1, Number.NaN, '0.1'], 'options.minSpotCheck must be a number from 0 to 1'],
    ['backupFactor', [0, -1, Number.POSITIVE_INFINITY, '2'], 'options.backupFactor must be a positive number']
  ])('rejects a bad %s', (key, values, message) => {
    for (const value of values as unknown[]) {
      expect(() => createScheduler({ store: openSqliteStore(':memory:'), tasks: fakeTasks }, { [key as string]: value }))
        .toThrow(new RangeError(message as string))
    }
  })
})
