import { Global, Module } from '@nestjs/common'
import { WorkersController } from '../workers/workers.controller.js'
import { WorkersService } from '../workers/workers.service.js'
import { NetworkService } from './network.service.js'

@Global()
@Module({
  controllers: [WorkersController],
  providers: [NetworkService, WorkersService],
  exports: [NetworkService, WorkersService]
})
export class NetworkModule {}
