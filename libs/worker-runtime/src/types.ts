/** The worker runtime's public shapes: what it is made of, and what it offers its owner. */
import type { BlobStore } from '@cycleshare/blobs'
import type { Startable } from '@cycleshare/lifecycle'
import type { Peer } from '@cycleshare/peer'
import type { TaskPool } from '@cycleshare/tasks'
import type { IdleMonitor } from './idle-monitor.js'
import type { Logger } from './logger.js'
import type { WorkerStatus } from './status.js'

export interface WorkerRuntimeComponents {
  /** The libp2p node, started before the runtime (and stopped after it). */
  peer: Peer
  /**
   * The task pool, started and stopped by its owner. Without one the runtime makes its own from
   * `threads` and `maxMemoryMb`, and starts and stops it itself.
   */
  pool?: TaskPool
  /** Whether the machine may work now; started and stopped by its owner. */
  idle: IdleMonitor
  /** Where the blobs that chunks read are kept (and served from); without one, tasks that read blobs are not run. */
  blobs?: BlobStore
  log: Logger
}

export interface WorkerRuntime extends Startable {
  /** Peer ids of the accumulation points this worker works for. */
  readonly accumulationPoints: string[]
  /** The most leases held at once over all accumulation points (it grows as chunks prove fast). */
  readonly capacity: number
  /** Leases queued or running, over all accumulation points. */
  readonly held: number
  /** Whether the volunteer paused it: it holds no leases and pulls none until resumed. */
  readonly paused: boolean
  /** Starts working for `peerId` too (a no-op if it already does, or once stopping). */
  addAccumulationPoint(peerId: string): void
  /**
   * Stops working for `peerId`: its unfinished leases go back to it and its finished results are
   * delivered, within the shutdown grace period. A no-op for a peer it does not work for.
   */
  removeAccumulationPoint(peerId: string): Promise<void>
  /**
   * Pauses: stops pulling, hands its queued and running leases to peers that pulled lately and
   * gives the rest back (resolves when done). A no-op when paused already or stopping.
   */
  pause(): Promise<void>
  /** Resumes after `pause`: pulls again. A no-op when not paused. */
  resume(): void
  /** What it is doing now, in a volunteer's words (status.ts). */
  status(): WorkerStatus
}
