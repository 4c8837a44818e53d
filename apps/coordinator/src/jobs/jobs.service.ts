import { Inject, Injectable } from '@nestjs/common'
import type { JobResult, JobView, Scheduler } from '@cycleshare/scheduler'
import { SCHEDULER } from '../scheduler/scheduler.module.js'
import { parseJobId, parseJobPage, parseJobRequest, parseLimit, type FailureView } from '@cycleshare/api'

@Injectable()
export class JobsService {
  constructor (@Inject(SCHEDULER) private readonly scheduler: Scheduler) {}

  submit (body: unknown): JobView {
    return this.scheduler.submit(parseJobRequest(body))
  }

  /** A page of jobs, newest first, from `?limit=&before=`; 404 (`JobNotFoundError`) if `before` names no job. */
  list (query: unknown): JobView[] {
    return this.scheduler.list(parseJobPage(query))
  }

  get (id: string): JobView {
    return this.scheduler.get(parseJobId(id))
  }

  result (id: string): JobResult {
    return this.scheduler.result(parseJobId(id))
  }

  /** A job's failed results, newest first, from `?limit=` (default 100); or every job's when `id` is undefined. */
  failures (id: string | undefined, query: unknown): FailureView[] {
    const { limit } = parseLimit(query)
    return this.scheduler.failures({ jobId: id === undefined ? undefined : parseJobId(id), limit })
  }

  cancel (id: string): JobView {
    return this.scheduler.cancel(parseJobId(id))
  }
}
