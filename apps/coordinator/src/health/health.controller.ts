import { Controller, Get, Module } from '@nestjs/common'
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger'
import { schemas } from '../openapi/schemas.js'
import type { HealthView } from '@cycleshare/api'
import { NetworkService } from '../network/network.service.js'

@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor (private readonly network: NetworkService) {}

  @Get()
  @ApiOperation({ summary: 'Up: this coordinator\'s peer id and libp2p addresses (what a worker is started with), dispatch and blob counts. Always open.' })
  @ApiResponse({ status: 200, description: 'Up.', schema: schemas.health })
  health (): HealthView {
    return { status: 'ok', peerId: this.network.peerId, multiaddrs: this.network.multiaddrs(), dispatch: this.network.dispatchStats(), blobs: this.network.blobStats() }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
