import { Inject, Injectable } from '@nestjs/common'
import { deleteJob, type JobResult, type JobView, type Scheduler } from '@cycleshare/scheduler'
import { LOGGER, type Logger } from '../logger.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'
import { parseJobId, parseJobPage, parseJobRequest, parseLimit, type FailureView } from '@cycleshare/api'

@Injectable()
export class JobsService {
  constructor (@Inject(SCHEDULER) private readonly scheduler: Scheduler, @Inject(LOGGER) private readonly log: Logger) {}

  submit (body: unknown): JobView {
    const job = this.scheduler.submit(parseJobRequest(body))
    this.log.info({ job: job.id, task: job.task, chunks: job.progress.total, options: job.options }, 'job submitted')
    return job
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

  /** `DELETE`: a queued or running job is cancelled (its view returned); a finished one is removed. */
  delete (id: string): JobView | undefined {
    const cancelled = deleteJob(this.scheduler, parseJobId(id))
    if (cancelled === undefined) this.log.info({ job: id }, 'job removed')
    return cancelled
  }
}
