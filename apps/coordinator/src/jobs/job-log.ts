import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common'
import type { Scheduler } from '@cycleshare/scheduler'
import { LOGGER, type Logger } from '../logger.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'

/**
 * Each job's end in the coordinator's log at `info`: finished with its time, failed with why, or
 * cancelled (its submission is logged where it is taken, in JobsService). An operator reads a
 * job's life from the log alone.
 */
@Injectable()
export class JobLog implements OnModuleInit, OnModuleDestroy {
  private off?: () => void

  constructor (@Inject(SCHEDULER) private readonly scheduler: Scheduler, @Inject(LOGGER) private readonly log: Logger) {}

  onModuleInit (): void {
    this.off = this.scheduler.on('job', (job) => {
      if (job.finishedAt === undefined) return
      const fields = { job: job.id, task: job.task, chunks: job.progress.total, done: job.progress.done, ms: Date.parse(job.finishedAt) - Date.parse(job.createdAt) }
      if (job.status === 'done') this.log.info(fields, 'job finished')
      else if (job.status === 'failed') this.log.warn({ ...fields, error: job.error }, 'job failed')
      else if (job.status === 'cancelled') this.log.info(fields, 'job cancelled')
    })
  }

  onModuleDestroy (): void {
    this.off?.()
  }
}
