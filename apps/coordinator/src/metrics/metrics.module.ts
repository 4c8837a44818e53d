import { Controller, Get, Header, Inject, Module } from '@nestjs/common'
import type { Scheduler } from '@cycleshare/scheduler'
import type { Registry } from 'prom-client'
import { NetworkService } from '../network/network.service.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'
import { WorkersService } from '../workers/workers.service.js'
import { createMetricsRegistry } from './metrics-registry.js'

/** `GET /metrics`: Prometheus text. A read: open unless --private-reads (then with the token, as Prometheus's `authorization` setting sends it). */
@Controller('metrics')
export class MetricsController {
  private readonly registry: Registry

  constructor (@Inject(SCHEDULER) scheduler: Scheduler, network: NetworkService, workers: WorkersService) {
    this.registry = createMetricsRegistry({
      stats: () => scheduler.stats(),
      jobCounts: () => scheduler.jobCounts(),
      dispatch: () => network.dispatchStats(),
      workers: () => workers.list(),
      blobBytesServed: () => network.blobStats().bytesServed
    })
  }

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics (): Promise<string> {
    return await this.registry.metrics()
  }
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
