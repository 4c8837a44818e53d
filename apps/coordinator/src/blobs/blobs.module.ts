import { join } from 'node:path'
import { Global, Module } from '@nestjs/common'
import { BlobStore } from '@cycleshare/blobs'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { BLOB_STORE } from './blob-store.token.js'
import { BlobsController } from './blobs.controller.js'

export { BLOB_STORE }

/** The coordinator's blob store, under `<data dir>/blobs`, and its HTTP API; the scheduler and the network use the store. */
@Global()
@Module({
  controllers: [BlobsController],
  providers: [{
    provide: BLOB_STORE,
    inject: [CONFIG],
    useFactory: async (config: CoordinatorConfig) => await BlobStore.open({ dir: join(config.dataDir, 'blobs'), maxBytes: config.blobStoreBytes })
  }],
  exports: [BLOB_STORE]
})
export class BlobsModule {}
