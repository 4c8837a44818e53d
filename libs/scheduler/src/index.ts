/**
 * @cycleshare/scheduler — the framework-free scheduling core: jobs split lazily into chunks,
 * copies of each chunk leased to different workers, results compared until a quorum agrees, the
 * agreed result reduced exactly once into each job's accumulator, workers' records kept (and
 * liars excluded), all in a store (SQLite: `@cycleshare/scheduler/sqlite`) so that a restarted
 * coordinator carries on where it stopped. Leases and results are `@cycleshare/protocol`'s
 * `Lease` and `ChunkResult`.
 *
 * @example
 * ```ts
 * import { createScheduler } from '@cycleshare/scheduler'
 * import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
 * import { builtinTasks } from '@cycleshare/tasks'
 *
 * const scheduler = createScheduler(
 *   { store: openSqliteStore('data/scheduler.db'), tasks: builtinTasks },   // or createMemoryStore()
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
 * const leases = scheduler.lease(workerPeerId, 8, ['primes'])        // send these (with timeoutMs) to the worker
 * const { accepted } = scheduler.complete(workerPeerId, results)     // durable: ack `accepted`
 * const page = scheduler.list({ limit: 20, before: lastSeenJobId })  // newest first
 * if (scheduler.get(job.id).status === 'done') console.log(scheduler.result(job.id).value)
 * scheduler.close()
 * ```
 */
export { createScheduler } from './scheduler.js'
export { deleteJob } from './delete-job.js'
export type { Scheduler, SchedulerComponents, SchedulerInit } from './scheduler.js'
export { ADAPTIVE, FIRST_EPOCH } from './store.js'
export { createMemoryStore } from './memory/store.js'
export type {
  ActiveJobRecord, AgedLease, AttemptRef, Ballot, ChunkCounts, ChunkRow, ChunkState, CopyHead, CopyRow, CopyState, DueLease, FirstLease,
  IssuedCopy, JobEnd, JobOptionsRow, JobPageQuery, JobSummary, LeaseBatch, LeaseState, LiveLease, NewCopy, NewJob, SchedulerStore,
  StoredResult, TrustDelta, WorkerStats, WorkerTrust
} from './store.js'
export type { LeaseRef } from './lease-ids.js'
export { JOB_PAGE, defaultSchedulerInit } from './constants.js'
export type { HistogramSnapshot, SchedulerStats } from './stats.js'
export { InvalidJobError, JobNotDoneError, JobNotFinishedError, JobNotFoundError, UnknownTaskError } from './errors.js'
export type {
  ChunkEvent, ChunkEventKind, CompleteResult, FailureView, JobOptions, JobPage, JobRequest, JobResult, JobStats, JobStatus, JobView, LeaseShare, LeaseTransfer, RenewResult, SchedulerEvents,
  TransferResult
} from './types.js'
