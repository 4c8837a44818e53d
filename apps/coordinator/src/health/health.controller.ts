import { Controller, Get, Module } from '@nestjs/common'
import { NetworkService } from '../network/network.service.js'

@Controller('api/health')
export class HealthController {
  constructor (private readonly network: NetworkService) {}

  @Get()
  health (): { status: 'ok'; peerId: string; multiaddrs: string[] } {
    return { status: 'ok', peerId: this.network.peerId, multiaddrs: this.network.multiaddrs() }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
