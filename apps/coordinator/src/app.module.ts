import { Module, type DynamicModule } from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import { AuthModule } from './auth/auth.guard.js'
import { BlobsModule } from './blobs/blobs.module.js'
import type { CoordinatorConfig } from './config/coordinator-config.js'
import { CoreModule } from './config/core.module.js'
import { DomainExceptionFilter } from './errors/domain-exception.filter.js'
import { EventsModule } from './events/events.gateway.js'
import { HealthModule } from './health/health.controller.js'
import { JobsModule } from './jobs/jobs.module.js'
import { MetricsModule } from './metrics/metrics.module.js'
import type { Logger } from './logger.js'
import { NetworkModule } from './network/network.module.js'
import { SchedulerModule } from './scheduler/scheduler.module.js'
import { TasksModule } from './tasks/tasks.module.js'

/**
 * Modules are listed in start order: config, API tokens, the blob store, the tasks (built-in and
 * registered: the scheduler looks jobs' tasks up in them), the scheduler (store), the network
 * that feeds it, then the HTTP features. Nest stops them in reverse.
 */
@Module({})
export class AppModule {
  static forRoot (config: CoordinatorConfig, log: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, log), AuthModule, BlobsModule, TasksModule, SchedulerModule, NetworkModule, JobsModule, HealthModule, MetricsModule, EventsModule],
      providers: [{ provide: APP_FILTER, useClass: DomainExceptionFilter }]
    }
  }
}
