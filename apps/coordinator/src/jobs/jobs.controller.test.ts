import 'reflect-metadata'
import type { ArgumentsHost } from '@nestjs/common'
import { JobNotFoundError, type JobPage, type JobView, type Scheduler } from '@cycleshare/scheduler'
import { describe, expect, it } from 'vitest'
import { DomainExceptionFilter } from '../errors/domain-exception.filter.js'
import type { Logger } from '../logger.js'
import { JobsController } from './jobs.controller.js'
import { JobsService } from './jobs.service.js'

const view = (id: string): JobView => ({
  id, task: 'primes', status: 'done', progress: { done: 1, total: 1 },
  options: { replication: 1, quorum: 1, maxAttempts: 5, priority: 1 }, stats: { backups: 0, backupWins: 0, resumed: 0, transfers: 0 }, createdAt: '2026-01-01T00:00:00.000Z'
})

/** A scheduler whose list answers from three jobs, newest first, and records what it was asked. */
function controller (): { jobs: JobsController, asked: Array<JobPage | undefined> } {
  const asked: Array<JobPage | undefined> = []
  const all = ['c', 'b', 'a']
  const scheduler = {
    list (page?: JobPage): JobView[] {
      asked.push(page)
      const from = page?.before === undefined ? 0 : all.indexOf(page.before) + 1
      if (from === 0 && page?.before !== undefined) throw new JobNotFoundError(page.before)
      return all.slice(from, from + (page?.limit ?? 50)).map(view)
    }
  } as unknown as Scheduler
  return { jobs: new JobsController(new JobsService(scheduler, { info () {} } as unknown as Logger)), asked }
}

/** The HTTP answer the app's error filter gives for what `fn` throws. */
function answer (fn: () => unknown): { status: number, body: unknown } {
  const sent = { status: 0, body: undefined as unknown }
  const host = {
    switchToHttp: () => ({
      getResponse: () => ({ status: (code: number) => ({ json: (body: unknown) => { sent.status = code; sent.body = body } }) })
    })
  } as unknown as ArgumentsHost
  try {
    fn()
  } catch (err) {
    new DomainExceptionFilter({ error () {} } as unknown as Logger).catch(err, host)
  }
  return sent
}

describe('GET /api/jobs', () => {
  it('pages through the scheduler with ?limit=&before=', () => {
    const { jobs, asked } = controller()
    expect(jobs.list({}).map(j => j.id)).toEqual(['c', 'b', 'a'])
    expect(jobs.list({ limit: '1', before: 'c' }).map(j => j.id)).toEqual(['b'])
    expect(asked).toEqual([{}, { limit: 1, before: 'c' }])
  })

  it('answers 400 naming a bad parameter, and 404 for a `before` that names no job', () => {
    const { jobs, asked } = controller()
    expect(answer(() => jobs.list({ limit: '600' }))).toEqual({
      status: 400, body: { statusCode: 400, error: 'InvalidRequestError', message: 'limit must be an integer from 1 to 500' }
    })
    expect(answer(() => jobs.list({ offset: '5' }))).toMatchObject({ status: 400, body: { message: 'unknown query parameter "offset"' } })
    expect(asked).toEqual([])
    expect(answer(() => jobs.list({ before: 'zzz' }))).toEqual({
      status: 404, body: { statusCode: 404, error: 'JobNotFoundError', message: 'job "zzz" not found' }
    })
  })
})
