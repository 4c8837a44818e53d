/**
 * Small tasks for the scheduler's tests: known answers, no dependency on the real built-ins.
 */
import type { AnyTask } from '@cycleshare/tasks'
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

/** Sums 1..n; chunk i of c covers an equal slice. The answer is n(n+1)/2. */
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
