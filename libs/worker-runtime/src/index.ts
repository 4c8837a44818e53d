/**
 * @packageDocumentation
 *
 * The worker runtime: takes leases from one or more accumulation points (a coordinator today; any
 * group member that submitted a job later), runs them in a Piscina pool while the machine is idle
 * and reports the results, each to the accumulation point it came from. Built from small parts,
 * one concern each: a lease book per accumulation point (a plain state machine), the executor
 * (pool, batching, rests, time limits), pacing (how much to hold), renewals, and one link per
 * accumulation point (pull backoff, typed calls, result outbox). Threads and capacity are shared
 * by all accumulation points.
 *
 * A worker that must step back (the machine turns busy or goes on battery, `pause()`, stop) hands
 * its queued and running leases, each with its latest checkpoint, to peers it heard pull in the
 * last few seconds (hungry peers), and gives back what they do not take; an idle worker takes
 * what such a peer offers it once the accumulation point has moved the leases to it (handoff).
 * Pass `workerGossip()` as the peer's `gossipTopics`: the worker listens on the pull topic too.
 *
 * @example
 * ```ts
 * import '@cycleshare/peer/polyfill'
 * import { startInOrder } from '@cycleshare/lifecycle'
 * import { createPeer } from '@cycleshare/peer'
 * import { createTaskPool } from '@cycleshare/tasks'
 * import { createIdleMonitor, createWorkerRuntime, workerGossip } from '@cycleshare/worker-runtime'
 * import { pino } from 'pino'
 *
 * const coordinator = '/ip4/192.168.1.10/tcp/4001/p2p/12D3KooW…'
 * const peer = createPeer({ dataDir: './data/worker', bootstrap: [coordinator], gossipTopics: workerGossip() })
 * const pool = createTaskPool({ threads: 4 })
 * const idle = createIdleMonitor({ maxLoad: 30 })
 * const runtime = createWorkerRuntime({ peer, pool, idle, log: pino() }, {
 *   accumulationPoints: [coordinator.slice(coordinator.lastIndexOf('/p2p/') + 5)],
 *   prefetch: 8
 * })
 * const stop = await startInOrder([pool, peer, idle, runtime])
 * // later: one more accumulation point, a pause, then stop everything in the reverse order
 * runtime.addAccumulationPoint('12D3KooWOther…')
 * await runtime.pause() // the volunteer wants the machine: chunks go to idle peers, or back
 * runtime.resume()
 * await stop()
 * ```
 */
export { createWorkerRuntime } from './runtime.js'
export type { WorkerRuntime, WorkerRuntimeComponents } from './types.js'
export { workerGossip } from './gossip.js'
export type { WorkerRuntimeInit } from './options.js'
export { createIdleMonitor, MEASURING_LOAD, type IdleMonitor, type IdleMonitorComponents, type IdleMonitorInit, type IdleState } from './idle-monitor.js'
export { describeStatus, statusLine, type StatusParts, type WorkerActivity, type WorkerStatus } from './status.js'
export { parseWorkHours, type WorkHours } from './work-hours.js'
export { createLeaseBook, LeaseState, type LeaseBook } from './lease-book.js'
export { LeaseStateError, NotAnAccumulationPointError, TaskTimeoutError, UnknownLeaseError } from './errors.js'
export type { LogFn, Logger } from './logger.js'
export { defaultWorkerRuntimeInit, defaultLinkInit } from './constants.js'
