/**
 * Small tasks for the scheduler's tests: known answers, no dependency on the real built-ins.
 */
import { InvalidCheckpointError, type AnyTask } from '@cycleshare/tasks'
import { createScheduler, type Scheduler, type SchedulerInit } from '../scheduler.js'
import type { Lease } from '@cycleshare/protocol'
import { openSqliteStore } from '../sqlite/index.js'
import type { SchedulerStore } from '../store.js'

export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError'
  constructor (readonly field: string, message: string) { super(message) }
}

export class InvalidOutputError extends Error {
  override readonly name = 'InvalidOutputError'
}

export interface Range { from: number, to: number }

/** How far a `sum` chunk has got: the next number to add, and the sum of the ones before it. */
export interface SumCheckpoint { next: number, partial: number }

/**
 * Sums 1..n; chunk i of c covers an equal slice. The answer is n(n+1)/2. It checkpoints: a state
 * is valid when `partial` is exactly the sum from the chunk's start to `next − 1` (other fields
 * are ignored, so a valid state can be made as large as a test needs).
 */
export const sumTask: AnyTask = {
  name: 'sum',
  description: 'Sums 1..n.',
  exampleParams: { n: 100 },
  resultType: 'application/json',
  parseParams (raw: unknown, chunks: number): { n: number } {
    const n = (raw as { n?: unknown } | null)?.n
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new InvalidParamsError('params.n', 'params.n must be a positive integer')
    if (chunks > n) throw new InvalidParamsError('chunks', `chunks must be at most params.n (${n})`)
    return { n }
  },
  chunk (params: { n: number }, count: number, index: number): Range {
    return { from: Math.floor(params.n * index / count) + 1, to: Math.floor(params.n * (index + 1) / count) }
  },
  parseOutput (raw: unknown): number {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) throw new InvalidOutputError('output must be an integer')
    return raw
  },
  run: ({ from, to }: Range) => (from + to) * (to - from + 1) / 2,
  parseCheckpoint (raw: unknown, { from, to }: Range): SumCheckpoint {
    if (raw === null || typeof raw !== 'object') throw new InvalidCheckpointError('checkpoint', 'must be an object')
    const { next, partial } = raw as Partial<SumCheckpoint>
    if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < from || next > to + 1) {
      throw new InvalidCheckpointError('checkpoint.next', `must be an integer from ${from} to ${to + 1}`)
    }
    if (partial !== (from + next - 1) * (next - from) / 2) {
      throw new InvalidCheckpointError('checkpoint.partial', `must be the sum of ${from}..${next - 1}`)
    }
    return { next, partial }
  },
  init: () => 0,
  reduce: (acc: number, output: number) => acc + output,
  finalize: (acc: number) => ({ sum: acc }),
  same: (a, b) => a === b
}

/** Counts how many chunks were reduced, by index: shows a chunk reduced twice. */
export const tallyTask: AnyTask = {
  name: 'tally',
  description: 'Counts each chunk reduced.',
  exampleParams: {},
  resultType: 'application/json',
  parseParams: () => ({}),
  chunk: (_p, _c, index: number) => ({ index }),
  parseOutput: (raw: unknown) => raw,
  run: () => 1,
  init: (_p, count: number) => new Array<number>(count).fill(0),
  reduce: (acc: number[], _out, index: number) => { acc[index]++; return acc },
  finalize: (acc: number[]) => acc,
  same: () => true
}

export const fakeTasks: ReadonlyMap<string, AnyTask> = new Map([['sum', sumTask], ['tally', tallyTask]])

/** An honest `sum` checkpoint of `grant`'s chunk: the numbers before `next` added up. */
export function sumUpTo (grant: Lease, next: number): SumCheckpoint {
  const { from } = grant.input as Range
  return { next, partial: (from + next - 1) * (next - from) / 2 }
}

/** What an honest worker returns for a `sum` chunk. */
export function runSum (grant: Lease): number {
  const { from, to } = grant.input as Range
  return (from + to) * (to - from + 1) / 2
}

export function ok (grant: Lease, output: unknown = runSum(grant)): { leaseId: string, ok: true, output: unknown } {
  return { leaseId: grant.leaseId, ok: true, output }
}

export interface Harness {
  scheduler: Scheduler
  clock: { now: number }
}

/** A scheduler on SQLite at `path` (in memory by default) with a clock the test moves by hand. */
export function harness (init: SchedulerInit = {}, path = ':memory:', clock = { now: 1_700_000_000_000 }): Harness {
  return harnessOn(openSqliteStore(path), init, clock)
}

/** The same on any store, `createMemoryStore()` for one. */
export function harnessOn (store: SchedulerStore, init: SchedulerInit = {}, clock = { now: 1_700_000_000_000 }): Harness {
  const scheduler = createScheduler({ store, tasks: fakeTasks, clock: () => clock.now }, init)
  return { scheduler, clock }
}
