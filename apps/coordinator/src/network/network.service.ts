import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common'
import type { AccumulationPoint, DispatchStats } from '@cycleshare/accumulation-point'
import { startInOrder } from '@cycleshare/lifecycle'
import type { Peer } from '@cycleshare/peer'
import { ACCUMULATION_POINT, PEER } from './network.providers.js'

/**
 * The coordinator's side of the wire, as wiring: the peer starts, then the accumulation point
 * that serves the scheduler through it (`@cycleshare/accumulation-point`); shutdown goes back in
 * reverse. The scheduler module starts before this one and stops after it.
 */
@Injectable()
export class NetworkService implements OnModuleInit, OnApplicationShutdown {
  private stopNetwork?: () => Promise<void>

  constructor (
    @Inject(PEER) private readonly peer: Peer,
    @Inject(ACCUMULATION_POINT) private readonly point: AccumulationPoint
  ) {}

  get peerId (): string {
    return this.peer.peerId
  }

  multiaddrs (): string[] {
    return this.peer.multiaddrs()
  }

  dispatchStats (): DispatchStats {
    return this.point.dispatchStats()
  }

  async onModuleInit (): Promise<void> {
    this.stopNetwork = await startInOrder([this.peer, this.point])
  }

  async onApplicationShutdown (): Promise<void> {
    await this.stopNetwork?.()
  }
}
