/**
 * A small task with known answers and a real scheduler over it, for the accumulation point's
 * tests (the scheduler's own test tasks are not exported).
 */
import type { Lease } from '@cycleshare/protocol'
import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
import { createScheduler, type Scheduler, type SchedulerComponents, type SchedulerInit } from '@cycleshare/scheduler'

type AnyTask = SchedulerComponents['tasks'] extends ReadonlyMap<string, infer T> ? T : never

interface Range { from: number, to: number }

/** How far a `sum` chunk has got: the next number to add, and the sum of the ones before it. */
export interface SumCheckpoint { next: number, partial: number }

/** Sums 1..n; chunk i of c covers an equal slice. The answer is n(n+1)/2. It checkpoints. */
const sumTask: AnyTask = {
  name: 'sum',
  description: 'Sums 1..n.',
  exampleParams: { n: 100 },
  resultType: 'application/json',
  parseParams (raw: unknown): { n: number } {
    const n = (raw as { n?: unknown } | null)?.n
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new RangeError('params.n must be a positive integer')
    return { n }
  },
  chunk (params: { n: number }, count: number, index: number): Range {
    return { from: Math.floor(params.n * index / count) + 1, to: Math.floor(params.n * (index + 1) / count) }
  },
  parseOutput (raw: unknown): number {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) throw new TypeError('output must be an integer')
    return raw
  },
  run: ({ from, to }: Range) => (from + to) * (to - from + 1) / 2,
  /** A state is `{ next, partial }`: the sum from the chunk's start to `next − 1`, exactly. */
  parseCheckpoint (raw: unknown, { from, to }: Range): SumCheckpoint {
    const { next, partial } = (raw ?? {}) as Partial<SumCheckpoint>
    if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < from || next > to + 1) {
      throw new RangeError(`checkpoint.next must be an integer from ${from} to ${to + 1}`)
    }
    if (partial !== (from + next - 1) * (next - from) / 2) throw new RangeError(`checkpoint.partial must be the sum of ${from}..${next - 1}`)
    return { next, partial }
  },
  init: () => 0,
  reduce: (acc: number, output: number) => acc + output,
  finalize: (acc: number) => ({ sum: acc }),
  same: (a: unknown, b: unknown) => a === b
}

/** An honest checkpoint of a `sum` lease: the numbers before `next` added up. */
export function sumUpTo (lease: Pick<Lease, 'input'>, next: number): SumCheckpoint {
  const { from } = lease.input as Range
  return { next, partial: (from + next - 1) * (next - from) / 2 }
}

/** What an honest worker reports for a `sum` lease. */
export function ok (lease: Pick<Lease, 'leaseId' | 'input'>, output?: number): { leaseId: string, ok: true, output: number } {
  const { from, to } = lease.input as Range
  return { leaseId: lease.leaseId, ok: true, output: output ?? (from + to) * (to - from + 1) / 2 }
}

export interface Harness {
  scheduler: Scheduler
  clock: { now: number }
}

/** A scheduler in memory with a clock the test moves by hand. */
export function harness (init: SchedulerInit = {}): Harness {
  const clock = { now: 1_700_000_000_000 }
  const scheduler = createScheduler({ store: openSqliteStore(':memory:'), tasks: new Map([['sum', sumTask]]), clock: () => clock.now }, init)
  return { scheduler, clock }
}
