/**
 * What the scheduler offers its owner (the coordinator, a group member), and what it is built
 * from: the public contract, apart from the facade that implements it (scheduler.ts).
 */
import type { Startable } from '@cycleshare/lifecycle'
import type { ChunkResult, Lease, LeaseCheckpoint } from '@cycleshare/protocol'
import type { AnyTask, ParamsContext } from '@cycleshare/tasks'
import type { SchedulerStats } from './stats.js'
import type { SchedulerStore, WorkerStats } from './store.js'
import type {
  CompleteResult, FailureView, JobPage, JobRequest, JobResult, JobStatus, JobView, LeaseShare, LeaseTransfer, RenewResult, SchedulerEvents, TransferResult
} from './types.js'

export interface SchedulerComponents {
  store: SchedulerStore
  /** The tasks jobs may name, by name. */
  tasks: ReadonlyMap<string, AnyTask>
  /** What a task may look up when it checks a job's params (the blobs held); without it, params that name a blob are refused. */
  paramsContext?: ParamsContext
  /** Milliseconds since the epoch. */
  clock?: () => number
  /** A number in [0, 1): adaptive replication's spot checks. */
  random?: () => number
}

export interface Scheduler extends Startable {
  /** Starts the expiry timer, and gives every live lease a fresh deadline (nobody could renew while we were down). */
  start(): void
  /** Stops the expiry timer; the store stays open (`close` closes it). */
  stop(): void
  /** Throws `InvalidJobError` (naming the field) or `UnknownTaskError`. */
  submit(req: JobRequest): JobView
  /** Throws `JobNotFoundError`. */
  get(id: string): JobView
  /**
   * A page of jobs, newest first, read from their summaries. Throws RangeError (`limit`, 1 to 500,
   * default 50) or TypeError (`before`) naming the bad option, or `JobNotFoundError` if `before`
   * names no job.
   */
  list(page?: JobPage): JobView[]
  /** The blobs that queued and running jobs name in their params (each task's `blobs`): they must stay held. */
  blobsNeeded(): Set<string>
  /** Throws `JobNotFoundError`, or `JobNotDoneError` saying the job's status. */
  result(id: string): JobResult
  /** Ends a queued or running job and revokes its leases; a finished job is returned as it is. */
  cancel(id: string): JobView
  /**
   * Removes a finished job (done, failed or cancelled) with its chunks and failure log, and emits
   * `removed`. Throws `JobNotFoundError`, or `JobNotFinishedError` for a queued or running job.
   */
  remove(id: string): void
  /** Removes finished jobs that ended before `before` (ms since the epoch), at most `limit`; returns their ids. */
  prune(before: number, limit?: number): string[]
  /**
   * Leases up to `slots` chunk copies, shared across jobs by priority, of the given task names only
   * (all if omitted); with nothing waiting, straggler backups. An excluded worker gets nothing.
   */
  lease(worker: string, slots: number, tasks?: readonly string[], share?: LeaseShare): Lease[]
  /**
   * Records a batch of results in one transaction: durable before this returns. Only a lease's
   * holder may report it (`not the holder of this lease`).
   */
  complete(worker: string, results: ChunkResult[]): CompleteResult
  /**
   * Several workers' reports in one transaction and one durable commit (group commit): the
   * answers are `complete`'s for each, in order. If the transaction fails, none is recorded.
   */
  completeAll(reports: ReadonlyArray<{ worker: string, results: ChunkResult[] }>): CompleteResult[]
  /**
   * Extends the leases `worker` holds that are still live; the others are lost. Keeps the latest
   * checkpoint of each lease it renewed, once its job's task has checked it (and it encodes to at
   * most MAX_CHECKPOINT_BYTES): a copy issued after that lease is lost goes on from it. The other
   * checkpoints are `refused`, with why. An excluded worker renews nothing and keeps nothing.
   */
  renew(worker: string, leaseIds: string[], checkpoints?: LeaseCheckpoint[]): RenewResult
  /**
   * Takes back leases `worker` holds unfinished (not a failed attempt); returns the ids released.
   * The valid checkpoints of those leases are kept, for the copies issued after them (as `renew`);
   * invalid ones are dropped.
   */
  release(worker: string, leaseIds: string[], checkpoints?: LeaseCheckpoint[]): string[]
  /**
   * Moves leases to another worker (a handoff), as `sender` presents them: it must be the giver
   * (`from`) or the taker (`to`) of each. The signatures are the caller's to check first. A lease
   * moves only if it is live and held by `from` at `epoch`, and `to` is not excluded and holds no
   * other copy of its chunk nor has answered it: then `to` holds it at `epoch + 1` with a fresh
   * deadline, and its valid checkpoint sent along (checked as `renew` does) is kept on it, for the
   * copy issued after it is lost; invalid ones are dropped. A transfer applied before is `moved`
   * again, with the same epoch, and counted once in the job's `stats.transfers`. The others are
   * `refused`, with why, and change nothing.
   */
  transfer(sender: string, transfers: readonly LeaseTransfer[], checkpoints?: LeaseCheckpoint[]): TransferResult
  /**
   * Reissues the leases expired at `now`, and counts copies that outlived their chunk timeout as
   * failed; returns how many. The timer runs this too.
   */
  expire(now?: number): number
  /** Chunk copies waiting to be leased, and their task names. */
  pending(): { pending: number, tasks: string[] }
  /** Every worker's record, by worker; or only `worker`'s (none if it has no record). */
  workerStats(worker?: string): WorkerStats[]
  /** Why a worker is excluded, or undefined if it is not (from memory: cheap). */
  exclusion(worker: string): string | undefined
  /**
   * Live leases `worker` holds: the one count of them (from memory: cheap). Every change comes
   * with a `held` event, expiry and release included.
   */
  held(worker: string): number
  /** Whether `worker` holds a live lease of job `jobId` now (from memory: cheap). */
  holdsJob(worker: string, jobId: string): boolean
  /** Returns a function that unsubscribes. */
  on<E extends keyof SchedulerEvents>(event: E, listener: SchedulerEvents[E]): () => void
  /** What it has done since it started (leases, results, failures, reissues, transfers, latencies, store writes): for metrics. */
  stats(): SchedulerStats
  /** How many jobs are in each status, from the store. */
  jobCounts(): Record<JobStatus, number>
  /**
   * Failed results, newest first: of one job (`JobNotFoundError` if there is none), or of every
   * job; `limit` 1 to 500, default 100.
   */
  failures(query?: { jobId?: string, limit?: number }): FailureView[]
  /** Stops and closes the store. */
  close(): void
}
