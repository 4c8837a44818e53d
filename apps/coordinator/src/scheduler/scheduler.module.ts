import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common'
import type { BlobStore } from '@cycleshare/blobs'
import type { TaskCatalog } from '@cycleshare/accumulation-point'
import { createScheduler, type Scheduler } from '@cycleshare/scheduler'
import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
import { BLOB_STORE } from '../blobs/blob-store.token.js'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { TASK_CATALOG } from '../tasks/task-catalog.token.js'

export const SCHEDULER = Symbol('Scheduler')
/** The store's file in the data directory. */
export const STORE_FILE = 'cycleshare.db'

/** The scheduler over its SQLite file in the data directory; started before the network, stopped after it. */
@Global()
@Module({
  providers: [{
    provide: SCHEDULER,
    inject: [CONFIG, BLOB_STORE, TASK_CATALOG],
    useFactory: (config: CoordinatorConfig, blobs: BlobStore, catalog: TaskCatalog): Scheduler => {
      mkdirSync(config.dataDir, { recursive: true })
      const store = openSqliteStore(join(config.dataDir, STORE_FILE))
      // Jobs may name blobs held whole; the blobs that running jobs name are never evicted.
      const blobSize = (name: string): number | undefined => { const info = blobs.info(name); return info?.complete === true ? info.size : undefined }
      // The catalog's map grows as tasks are registered: a job may name a task registered after start.
      const scheduler = createScheduler({ store, tasks: catalog.tasks, paramsContext: { blobSize } }, {
        leaseTtlMs: config.leaseTtlMs,
        maxAttempts: config.maxAttempts,
        excludeAfterInvalid: config.excludeAfter,
        stragglerBackups: config.stragglerBackups
      })
      blobs.protect(name => scheduler.blobsNeeded().has(name))
      return scheduler
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
