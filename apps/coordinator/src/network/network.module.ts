import { Global, Module } from '@nestjs/common'
import { WorkersController } from '../workers/workers.controller.js'
import { WorkersService } from '../workers/workers.service.js'
import { networkProviders } from './network.providers.js'
import { NetworkService } from './network.service.js'

@Global()
@Module({
  controllers: [WorkersController],
  providers: [...networkProviders, NetworkService, WorkersService],
  exports: [NetworkService, WorkersService]
})
export class NetworkModule {}
