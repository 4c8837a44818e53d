/**
 * The leases one accumulation point gave this worker, each a small state machine with no I/O and
 * no timers: the runtime asks it what is held, what can be given back, what to renew and which
 * results are still owed, and tells it what happened. A running lease also keeps the latest
 * checkpoint of its run, and whether the accumulation point has had it, until it finishes or goes.
 *
 * ```
 *   accept ─▶ queued ─start─▶ running ─finish─▶ reported ─acknowledge─▶ (gone)
 *               │                │
 *               └───── cancel / lose / release ─────▶ (gone)
 * ```
 */
import type { Lease, LeaseCheckpoint } from '@cycleshare/protocol'
import { LeaseStateError, UnknownLeaseError } from './errors.js'

export const LeaseState = {
  /** Accepted, waiting for a thread: it can be given back without losing work. */
  Queued: 'queued',
  /** In a thread (alone or in a batch). */
  Running: 'running',
  /** Finished: its result is owed to the accumulation point until it answers for it. */
  Reported: 'reported'
} as const
export type LeaseState = (typeof LeaseState)[keyof typeof LeaseState]

/**
 * @typeParam R - whatever the caller runs a lease in (its handle on a thread run), kept with the
 * lease while it runs so that a cancel can find it.
 */
export interface LeaseBook<R = unknown> {
  /** Leases queued or running: what counts against capacity. */
  readonly held: number
  /** Leases queued. */
  readonly queued: number
  /** Leases reported and not yet answered for. */
  readonly owed: number
  /** The jobs of the leases queued or running, each once: whose pace decides how much to hold. */
  jobs(): IterableIterator<string>
  /** The lease's state, or undefined when the book does not hold it. */
  state(leaseId: string): LeaseState | undefined
  /** The run a running lease is in. */
  runOf(leaseId: string): R | undefined
  /** The lease, as accepted, while the book holds it. */
  lease(leaseId: string): Lease | undefined
  /** (none) → queued. */
  accept(lease: Lease): void
  /** queued → running, in `run`; returns the lease. */
  start(leaseId: string, run: R): Lease
  /** running → reported. */
  finish(leaseId: string): void
  /** reported → gone: the accumulation point answered for the result. */
  acknowledge(leaseId: string): void
  /** queued | running → gone: the accumulation point called it off. Returns the run it was in, if running. */
  cancel(leaseId: string): R | undefined
  /** queued | running → gone: the accumulation point no longer gives it to us. Returns the run it was in, if running. */
  lose(leaseId: string): R | undefined
  /** queued | running → gone: we give it back. Returns the run it was in, if running. */
  release(leaseId: string): R | undefined
  /** Queued leases, oldest first: the order they should run in. */
  waiting(): IterableIterator<Lease>
  /** Ids of queued leases: what can be given back without losing work. */
  waitingIds(): string[]
  /** Ids of queued and running leases: what to renew, and what stopping gives back. */
  unfinished(): string[]
  /** Ids of reported leases: the results still owed. */
  owedIds(): string[]
  /**
   * running: `state` is the latest checkpoint of its run. A nil state is none (on the wire nil
   * stands for absent), so it is ignored.
   */
  checkpoint(leaseId: string, state: unknown): void
  /** The latest checkpoint of each of `leaseIds` held that has one not yet sent: what a renewal carries. */
  unsentCheckpoints(leaseIds: string[]): LeaseCheckpoint[]
  /**
   * These checkpoints reached the accumulation point (kept or refused by it): they are not sent
   * again, though a newer one of the same lease is. A lease no longer held is skipped.
   */
  checkpointsSent(checkpoints: LeaseCheckpoint[]): void
  /** The latest checkpoint of each of `leaseIds` held that has one, sent or not: what giving them back carries. */
  latestCheckpoints(leaseIds: string[]): LeaseCheckpoint[]
}

export function createLeaseBook<R = unknown> (): LeaseBook<R> {
  return new Book<R>()
}

interface Entry<R> {
  lease: Lease
  state: LeaseState
  run?: R
  /** The latest checkpoint of its run (running only). */
  checkpoint?: unknown
  /** The checkpoint last sent; the latest is unsent while it is another one (each comes from its thread as a new object). */
  sent?: unknown
}

const unfinishedStates: readonly LeaseState[] = [LeaseState.Queued, LeaseState.Running]

class Book<R> implements LeaseBook<R> {
  readonly #entries = new Map<string, Entry<R>>()
  /** The queued ones again, in the order they came, so the next to run is found at once. */
  readonly #queue = new Map<string, Lease>()
  /** Leases queued or running, by job id. */
  readonly #byJob = new Map<string, number>()
  #running = 0

  get held (): number {
    return this.#queue.size + this.#running
  }

  get queued (): number {
    return this.#queue.size
  }

  get owed (): number {
    return this.#entries.size - this.held
  }

  jobs (): IterableIterator<string> {
    return this.#byJob.keys()
  }

  state (leaseId: string): LeaseState | undefined {
    return this.#entries.get(leaseId)?.state
  }

  runOf (leaseId: string): R | undefined {
    return this.#entries.get(leaseId)?.run
  }

  lease (leaseId: string): Lease | undefined {
    return this.#entries.get(leaseId)?.lease
  }

  accept (lease: Lease): void {
    const held = this.#entries.get(lease.leaseId)
    if (held !== undefined) throw new LeaseStateError(`lease ${lease.leaseId} is already ${held.state}; only a new lease can be accepted`)
    this.#entries.set(lease.leaseId, { lease, state: LeaseState.Queued })
    this.#queue.set(lease.leaseId, lease)
    this.#byJob.set(lease.jobId, (this.#byJob.get(lease.jobId) ?? 0) + 1)
  }

  start (leaseId: string, run: R): Lease {
    const entry = this.#expect(leaseId, 'started', [LeaseState.Queued])
    this.#queue.delete(leaseId)
    entry.state = LeaseState.Running
    entry.run = run
    this.#running++
    return entry.lease
  }

  finish (leaseId: string): void {
    const entry = this.#expect(leaseId, 'finished', [LeaseState.Running])
    entry.state = LeaseState.Reported
    entry.run = undefined
    // Its result is worth more than any checkpoint: nothing goes on from one now.
    entry.checkpoint = undefined
    entry.sent = undefined
    this.#running--
    this.#unhold(entry.lease)
  }

  acknowledge (leaseId: string): void {
    this.#expect(leaseId, 'acknowledged', [LeaseState.Reported])
    this.#entries.delete(leaseId)
  }

  cancel (leaseId: string): R | undefined {
    return this.#end(leaseId, 'cancelled')
  }

  lose (leaseId: string): R | undefined {
    return this.#end(leaseId, 'lost')
  }

  release (leaseId: string): R | undefined {
    return this.#end(leaseId, 'released')
  }

  waiting (): IterableIterator<Lease> {
    return this.#queue.values()
  }

  waitingIds (): string[] {
    return [...this.#queue.keys()]
  }

  unfinished (): string[] {
    const ids: string[] = []
    for (const [id, e] of this.#entries) if (e.state !== LeaseState.Reported) ids.push(id)
    return ids
  }

  owedIds (): string[] {
    const ids: string[] = []
    for (const [id, e] of this.#entries) if (e.state === LeaseState.Reported) ids.push(id)
    return ids
  }

  checkpoint (leaseId: string, state: unknown): void {
    const entry = this.#expect(leaseId, 'checkpointed', [LeaseState.Running])
    if (state != null) entry.checkpoint = state
  }

  unsentCheckpoints (leaseIds: string[]): LeaseCheckpoint[] {
    return this.#checkpoints(leaseIds, e => e.checkpoint !== e.sent)
  }

  checkpointsSent (checkpoints: LeaseCheckpoint[]): void {
    for (const { leaseId, state } of checkpoints) {
      const entry = this.#entries.get(leaseId)
      if (entry !== undefined && entry.checkpoint === state) entry.sent = state
    }
  }

  latestCheckpoints (leaseIds: string[]): LeaseCheckpoint[] {
    return this.#checkpoints(leaseIds, () => true)
  }

  #checkpoints (leaseIds: string[], wanted: (entry: Entry<R>) => boolean): LeaseCheckpoint[] {
    const checkpoints: LeaseCheckpoint[] = []
    for (const leaseId of leaseIds) {
      const entry = this.#entries.get(leaseId)
      if (entry?.checkpoint !== undefined && wanted(entry)) checkpoints.push({ leaseId, state: entry.checkpoint })
    }
    return checkpoints
  }

  #end (leaseId: string, how: string): R | undefined {
    const entry = this.#expect(leaseId, how, unfinishedStates)
    this.#entries.delete(leaseId)
    this.#unhold(entry.lease)
    if (entry.state === LeaseState.Queued) {
      this.#queue.delete(leaseId)
      return undefined
    }
    this.#running--
    return entry.run
  }

  #unhold ({ jobId }: Lease): void {
    const left = (this.#byJob.get(jobId) ?? 0) - 1
    if (left > 0) this.#byJob.set(jobId, left)
    else this.#byJob.delete(jobId)
  }

  #expect (leaseId: string, how: string, from: readonly LeaseState[]): Entry<R> {
    const entry = this.#entries.get(leaseId)
    if (entry === undefined) throw new UnknownLeaseError(leaseId)
    if (!from.includes(entry.state)) {
      throw new LeaseStateError(`lease ${leaseId} is ${entry.state}; only a ${from.join(' or ')} lease can be ${how}`)
    }
    return entry
  }
}
