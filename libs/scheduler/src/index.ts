/**
 * @cycleshare/scheduler — the framework-free scheduling core: jobs split lazily into chunks,
 * copies of each chunk leased to different workers, results compared until a quorum agrees, the
 * agreed result reduced exactly once into each job's accumulator, workers' records kept (and
 * liars excluded), all in SQLite so that a restarted coordinator carries on where it stopped.
 *
 * @example
 * ```ts
 * import { createScheduler, openSqliteStore } from '@cycleshare/scheduler'
 * import { builtinTasks } from '@cycleshare/tasks'
 *
 * const scheduler = createScheduler(
 *   { store: openSqliteStore('data/scheduler.db'), tasks: builtinTasks },
 *   { leaseTtlMs: 30_000, excludeAfterInvalid: 3 }
 * )
 * scheduler.on('work', pending => { announce(pending) })
 * scheduler.on('revoke', (worker, leaseIds) => { tellWorker(worker, leaseIds) }) // cancelled, decided, excluded
 * scheduler.start()
 *
 * const job = scheduler.submit({
 *   task: 'primes', params: { from: 0, to: 1e8 }, chunks: 1000,
 *   replication: 2, chunkTimeoutMs: 60_000, priority: 2   // or replication: 'adaptive'
 * })
 * if (scheduler.exclusion(workerPeerId) !== undefined) return      // ignore its pulls
 * const grants = scheduler.lease(workerPeerId, 8, ['primes'])        // send these (with timeoutMs) to the worker
 * const { accepted } = scheduler.complete(workerPeerId, outcomes)    // durable: ack `accepted`
 * if (scheduler.get(job.id).status === 'done') console.log(scheduler.result(job.id).value)
 * scheduler.close()
 * ```
 */
export { createScheduler } from './scheduler.js'
export type { Scheduler, SchedulerComponents, SchedulerInit } from './scheduler.js'
export { openSqliteStore } from './sqlite-store.js'
export { ADAPTIVE } from './store.js'
export type {
  AgedCopy, ChunkRow, ChunkState, ChunkUpdate, CopyHead, CopyRef, CopyRow, CopyState, DueCopy, FirstLease, JobEnd, JobOptionsRow,
  JobRow, LeaseBatch, LeaseState, LiveLease, NewCopy, NewJob, SchedulerStore, TrustDelta, WorkerStats, WorkerTrust
} from './store.js'
export type { LeaseRef } from './lease-ids.js'
export { defaultSchedulerInit } from './constants.js'
export { InvalidJobError, JobNotDoneError, JobNotFoundError, UnknownTaskError } from './errors.js'
export type { WireError } from './wire-error.js'
export type {
  ChunkOutcome, CompleteResult, JobOptions, JobRequest, JobResult, JobStats, JobStatus, JobView, LeaseGrant, RenewResult,
  SchedulerEvents
} from './types.js'
