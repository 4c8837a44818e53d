import { Module } from '@nestjs/common'
import { FailuresController, JobsController } from './jobs.controller.js'
import { JobLog } from './job-log.js'
import { JobsService } from './jobs.service.js'
import { Retention } from './retention.js'

@Module({ controllers: [JobsController, FailuresController], providers: [JobsService, JobLog, Retention] })
export class JobsModule {}
