import { Controller, Get, Module } from '@nestjs/common'
import type { DispatchStats } from '@cycleshare/accumulation-point'
import type { BlobServerStats } from '@cycleshare/blobs'
import { NetworkService } from '../network/network.service.js'

@Controller('api/health')
export class HealthController {
  constructor (private readonly network: NetworkService) {}

  @Get()
  health (): { status: 'ok'; peerId: string; multiaddrs: string[]; dispatch: DispatchStats; blobs: BlobServerStats } {
    return { status: 'ok', peerId: this.network.peerId, multiaddrs: this.network.multiaddrs(), dispatch: this.network.dispatchStats(), blobs: this.network.blobStats() }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
