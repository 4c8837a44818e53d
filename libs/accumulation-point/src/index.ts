/**
 * @packageDocumentation
 *
 * An accumulation point: a scheduler served to the network through a peer node. It announces
 * pending work on gossip, answers workers' pulls with assigns (`dispatcher.ts` is where a pull
 * turns into an assign), takes their reports, renewals and releases, tells them to cancel the
 * leases the scheduler revokes, and keeps a view of every worker it hears from. Framework-free:
 * the coordinator embeds one, and so can any process that submits jobs of its own.
 *
 * @example
 * ```ts
 * import '@cycleshare/peer/polyfill'
 * import { createAccumulationPoint } from '@cycleshare/accumulation-point'
 * import { startInOrder } from '@cycleshare/lifecycle'
 * import { createPeer } from '@cycleshare/peer'
 * import { createScheduler } from '@cycleshare/scheduler'
 * import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
 * import { builtinTasks } from '@cycleshare/tasks'
 *
 * const scheduler = createScheduler({ store: openSqliteStore('data/cycleshare.db'), tasks: builtinTasks })
 * const peer = createPeer({ dataDir: 'data', listen: ['/ip4/0.0.0.0/tcp/4001'] })
 * const point = createAccumulationPoint({ scheduler, peer, log: (level, message, fields) => console[level](message, fields) },
 *   { announceIntervalMs: 2_000 })
 * point.onWorkerChange(view => { show(view()) })
 *
 * scheduler.start()
 * const stopNetwork = await startInOrder([peer, point])           // the peer first, then the point
 * scheduler.submit({ task: 'primes', params: { from: 0, to: 1e8 }, chunks: 1000 })
 * console.table(point.workers())
 * await stopNetwork(); scheduler.close()                          // and back
 * ```
 */
export { createAccumulationPoint } from './accumulation-point.js'
export { accumulationPointGossip } from './gossip.js'
export type {
  AccumulationPoint, AccumulationPointComponents, AccumulationPointInit, AccumulationPointLog, AccumulationPointLogLevel,
  DispatchStats, WorkerChangeListener, WorkerState, WorkerView
} from './types.js'
export { defaultAccumulationPointInit } from './constants.js'
export { AccumulationPointStoppedError } from './errors.js'
export { TaskCatalog, TaskConflictError, type TaskSigner, type TaskView } from './task-catalog.js'
