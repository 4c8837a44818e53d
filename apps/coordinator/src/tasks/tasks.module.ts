import { join } from 'node:path'
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common'
import { TaskCatalog } from '@cycleshare/accumulation-point'
import type { BlobStore } from '@cycleshare/blobs'
import { BLOB_STORE } from '../blobs/blob-store.token.js'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { LOGGER, type Logger } from '../logger.js'
import { TASK_CATALOG } from './task-catalog.token.js'
import { TasksController } from './tasks.controller.js'

/**
 * The tasks jobs may name: the built-ins and the custom tasks registered here, kept under
 * `<data dir>/tasks` and loaded before the scheduler (which looks every job's task up in them).
 */
@Global()
@Module({
  controllers: [TasksController],
  providers: [{
    provide: TASK_CATALOG,
    inject: [CONFIG, BLOB_STORE, LOGGER],
    useFactory: async (config: CoordinatorConfig, blobs: BlobStore, log: Logger): Promise<TaskCatalog> => {
      const catalog = await TaskCatalog.open({ dir: join(config.dataDir, 'tasks'), blobs })
      for (const problem of catalog.problems) log.error(problem)
      return catalog
    }
  }],
  exports: [TASK_CATALOG]
})
export class TasksModule implements OnApplicationShutdown {
  constructor (@Inject(TASK_CATALOG) private readonly catalog: TaskCatalog) {}

  onApplicationShutdown (): void {
    this.catalog.close()
  }
}
