import { Controller, Get, Module } from '@nestjs/common'
import type { HealthView } from '@cycleshare/api'
import { NetworkService } from '../network/network.service.js'

@Controller('api/health')
export class HealthController {
  constructor (private readonly network: NetworkService) {}

  @Get()
  health (): HealthView {
    return { status: 'ok', peerId: this.network.peerId, multiaddrs: this.network.multiaddrs(), dispatch: this.network.dispatchStats(), blobs: this.network.blobStats() }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
