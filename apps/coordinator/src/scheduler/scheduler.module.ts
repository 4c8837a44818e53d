import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common'
import { builtinTasks } from '@cycleshare/tasks'
import { createScheduler, type Scheduler } from '@cycleshare/scheduler'
import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'

export const SCHEDULER = Symbol('Scheduler')

/** The scheduler over its SQLite file in the data directory; started before the network, stopped after it. */
@Global()
@Module({
  providers: [{
    provide: SCHEDULER,
    inject: [CONFIG],
    useFactory: (config: CoordinatorConfig): Scheduler => {
      mkdirSync(config.dataDir, { recursive: true })
      const store = openSqliteStore(join(config.dataDir, 'cycleshare.db'))
      return createScheduler({ store, tasks: builtinTasks }, {
        leaseTtlMs: config.leaseTtlMs,
        maxAttempts: config.maxAttempts,
        excludeAfterInvalid: config.excludeAfter,
        stragglerBackups: config.stragglerBackups
      })
    }
  }],
  exports: [SCHEDULER]
})
export class SchedulerModule implements OnModuleInit, OnApplicationShutdown {
  constructor (@Inject(SCHEDULER) private readonly scheduler: Scheduler) {}

  onModuleInit (): void {
    this.scheduler.start()
  }

  onApplicationShutdown (): void {
    this.scheduler.close()
  }
}
