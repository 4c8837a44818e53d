/**
 * @cycleshare/scheduler — the framework-free scheduling core: jobs split lazily into chunks,
 * chunks leased to workers with deadlines, results reduced exactly once into each job's
 * accumulator, all in SQLite so that a restarted coordinator carries on where it stopped.
 *
 * @example
 * ```ts
 * import { createScheduler, openSqliteStore } from '@cycleshare/scheduler'
 * import { builtinTasks } from '@cycleshare/tasks'
 *
 * const scheduler = createScheduler(
 *   { store: openSqliteStore('data/scheduler.db'), tasks: builtinTasks },
 *   { leaseTtlMs: 30_000 }
 * )
 * scheduler.on('work', pending => { announce(pending) })
 * scheduler.on('revoke', (worker, leaseIds) => { tellWorker(worker, leaseIds) })
 * scheduler.start()
 *
 * const job = scheduler.submit({ task: 'primes', params: { from: 0, to: 1e8 }, chunks: 1000 })
 * const grants = scheduler.lease(workerPeerId, 8, ['primes'])        // send these to the worker
 * const { accepted } = scheduler.complete(workerPeerId, outcomes)    // durable: ack `accepted`
 * if (scheduler.get(job.id).status === 'done') console.log(scheduler.result(job.id).value)
 * scheduler.close()
 * ```
 */
export { createScheduler } from './scheduler.js'
export type { Scheduler, SchedulerComponents, SchedulerInit } from './scheduler.js'
export { openSqliteStore } from './sqlite-store.js'
export type { ChunkRow, ChunkState, JobEnd, JobRow, LiveLease, NewJob, SchedulerStore, WorkerStats } from './store.js'
export type { LeaseRef } from './lease-ids.js'
export { defaultSchedulerInit } from './constants.js'
export { InvalidJobError, JobNotDoneError, JobNotFoundError, UnknownTaskError } from './errors.js'
export type { WireError } from './wire-error.js'
export type {
  ChunkOutcome, CompleteResult, JobRequest, JobResult, JobStatus, JobView, LeaseGrant, RenewResult, SchedulerEvents
} from './types.js'
