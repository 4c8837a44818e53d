import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common'
import type { AccumulationPoint, DispatchStats, TaskCatalog, TaskSigner } from '@cycleshare/accumulation-point'
import { serveBlobs, type BlobServer, type BlobServerStats, type BlobStore } from '@cycleshare/blobs'
import { startInOrder } from '@cycleshare/lifecycle'
import type { Peer } from '@cycleshare/peer'
import { BLOB_STORE } from '../blobs/blob-store.token.js'
import { TASK_CATALOG } from '../tasks/task-catalog.token.js'
import { ACCUMULATION_POINT, PEER } from './network.providers.js'

/**
 * The coordinator's side of the wire, as wiring: the peer starts, then the accumulation point
 * that serves the scheduler through it (`@cycleshare/accumulation-point`); shutdown goes back in
 * reverse. The scheduler module starts before this one and stops after it. The blob store is
 * served to every peer on the blob protocol: workers fetch from here what no peer has, and the
 * signed records of the custom tasks registered here.
 */
@Injectable()
export class NetworkService implements OnModuleInit, OnApplicationShutdown {
  private stopNetwork?: () => Promise<void>
  private blobServer?: BlobServer

  constructor (
    @Inject(PEER) private readonly peer: Peer,
    @Inject(ACCUMULATION_POINT) private readonly point: AccumulationPoint,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(TASK_CATALOG) private readonly catalog: TaskCatalog
  ) {}

  /** This peer's identity, which signs the custom tasks registered here. */
  get signer (): TaskSigner {
    return { peerId: this.peer.peerId, sign: async (data) => await this.peer.sign(data) }
  }

  get peerId (): string {
    return this.peer.peerId
  }

  multiaddrs (): string[] {
    return this.peer.multiaddrs()
  }

  dispatchStats (): DispatchStats {
    return this.point.dispatchStats()
  }

  /** Blob pieces this coordinator has sent to peers since it started. */
  blobStats (): BlobServerStats {
    return { ...(this.blobServer?.stats ?? { piecesServed: 0, bytesServed: 0 }) }
  }

  async onModuleInit (): Promise<void> {
    this.blobServer = await serveBlobs({ peer: this.peer, store: this.blobs, describe: (task) => this.catalog.record(task) })
    this.stopNetwork = await startInOrder([this.peer, this.point])
  }

  async onApplicationShutdown (): Promise<void> {
    await this.stopNetwork?.()
  }
}
