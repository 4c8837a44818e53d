import { Controller, Get, Header, Inject, Module } from '@nestjs/common'
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger'
import type { Scheduler } from '@cycleshare/scheduler'
import type { Registry } from 'prom-client'
import { NetworkService } from '../network/network.service.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'
import { WorkersService } from '../workers/workers.service.js'
import { createMetricsRegistry } from './metrics-registry.js'

/** `GET /metrics`: Prometheus text. A read: open unless --private-reads (then with the token, as Prometheus's `authorization` setting sends it). */
@ApiTags('metrics')
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
  @ApiOperation({ summary: 'Prometheus metrics: jobs by state, chunks leased/completed/failed/reissued/handed over, result latency, pulls, workers, store writes, Node\'s own.' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } })
  async metrics (): Promise<string> {
    return await this.registry.metrics()
  }
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
