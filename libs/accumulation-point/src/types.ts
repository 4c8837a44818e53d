/**
 * The accumulation point's public shapes: what it is given, how it is tuned, and what it tells
 * about the workers it serves.
 */
import type { DispatchStats, WorkerView } from '@cycleshare/api'
import type { Startable } from '@cycleshare/lifecycle'
import type { Peer } from '@cycleshare/peer'
import type { GossipTopics } from '@cycleshare/protocol'
import type { Scheduler } from '@cycleshare/scheduler'

export type AccumulationPointLogLevel = 'debug' | 'info' | 'warn' | 'error'

/**
 * Where the accumulation point reports what it survived (bad messages, failed assigns, released
 * leases). `fields` are structured context (`worker`, `err`, counts), ready for a JSON logger.
 */
export type AccumulationPointLog = (level: AccumulationPointLogLevel, message: string, fields?: Record<string, unknown>) => void

export interface AccumulationPointComponents {
  /** Leases, results and the record of every worker; started and stopped by the owner. */
  scheduler: Scheduler
  /** The node the workers reach; started and stopped by the owner. */
  peer: Peer
  /** Without one, nothing is logged. */
  log?: AccumulationPointLog
  /** Milliseconds since the epoch: the workers' `lastSeen`. */
  clock?: () => number
}

export interface AccumulationPointInit {
  /**
   * The gossip topics it announces work on and hears pulls on: the open network's, or a peer
   * group's own (`groupTopics`).
   * @defaultValue `DEFAULT_TOPICS`
   */
  topics?: GossipTopics
  /**
   * A peer group member's accumulation point: it announces work with its addresses, so members
   * that hear it relayed can dial it, and dials back a puller not connected here at an address
   * its pull names. Only members can connect at all in a group. @defaultValue false
   */
  groupMember?: boolean
  /**
   * How often pending work is announced on gossip while any is pending.
   * @defaultValue 2_000
   */
  announceIntervalMs?: number
  /**
   * Pulls one peer may make per second; one over budget is dropped before any scheduling work.
   * @defaultValue 200
   */
  pullsPerSecond?: number
  /**
   * Pulls one peer may make at once before the rate applies.
   * @defaultValue 200
   */
  pullBurst?: number
  /**
   * Pulls over budget (fading over ten seconds) after which the peer is disconnected.
   * @defaultValue 1_000
   */
  overBudgetPullsBeforeDisconnect?: number
  /**
   * Assigns in a row a peer may refuse outright (or fail) before its pulls are set aside.
   * @defaultValue 3
   */
  refusalsBeforeBackoff?: number
  /**
   * How long pulls are set aside the first time; each further time in a row doubles it.
   * @defaultValue 1_000
   */
  refusalBackoffMs?: number
  /**
   * The longest pulls are set aside for.
   * @defaultValue 60_000
   */
  maxRefusalBackoffMs?: number
  /**
   * Workers not heard from for this long (and not connected) leave the list of workers and are
   * forgotten here; the scheduler's record of them stays (`workers({ all: true })`).
   * @defaultValue 3_600_000
   */
  forgetWorkersAfterMs?: number
}

export type { WorkerState, WorkerView } from '@cycleshare/api'

/**
 * Called when a worker changes, with a way to build its view: changes come with every lease
 * taken or given back, and the view reads the scheduler's record, so only a listener that has
 * someone to tell should build it.
 */
export type WorkerChangeListener = (view: () => WorkerView, peerId: string) => void

/**
 * A scheduler served to the network: work announced on gossip, pulls answered with assigns,
 * reports, renewals, releases and transfers taken, revoked leases cancelled at their worker.
 */
export interface AccumulationPoint extends Startable {
  /**
   * Subscribes to pulls, serves the request protocol and starts announcing. The peer and the
   * scheduler are the owner's to start (before) and to stop (after).
   */
  start(): Promise<void>
  /**
   * Unsubscribes, stops the timers and answers requests with `AccumulationPointStoppedError`
   * from then on; assigns in flight settle (their refused leases are still released).
   */
  stop(): Promise<void>
  /**
   * The workers connected or heard from within `forgetWorkersAfterMs`; with `all`, every worker on
   * the scheduler's record too (those not heard from since start show when their last result
   * came). Most recently seen first.
   */
  workers(query?: { all?: boolean }): WorkerView[]
  /** Returns a function that unsubscribes. */
  onWorkerChange(listener: WorkerChangeListener): () => void
  /** What pulls came to since start: how hard workers ask, and how much of it is answered. */
  dispatchStats(): DispatchStats
}

export type { DispatchStats } from '@cycleshare/api'
