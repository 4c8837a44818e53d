/**
 * A repeatable measure of the scheduler's hot path: `lease` + `complete` on a real SQLite file,
 * with a no-op task so that only the scheduler and its store are timed. Run it with
 * `npx vitest run --config libs/scheduler/vitest.throughput.config.ts` (not part of `npm test`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AnyTask } from '@cycleshare/tasks'
import { createScheduler } from '../scheduler.js'
import type { ChunkResult, Lease } from '@cycleshare/protocol'
import { openSqliteStore } from '../sqlite/index.js'

/** Answers its own index; the result is the count and the sum of the indexes. */
export const noopTask: AnyTask = {
  name: 'noop',
  description: 'Does nothing: answers its index.',
  exampleParams: {},
  resultType: 'application/json',
  parseParams: () => ({}),
  chunk: (_p, _c, index: number) => ({ index }),
  parseOutput (raw: unknown): number {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) throw new TypeError('output must be an integer')
    return raw
  },
  run: ({ index }: { index: number }) => index,
  init: () => ({ chunks: 0, indexSum: 0 }),
  reduce: (acc: { chunks: number, indexSum: number }, output: number) => ({ chunks: acc.chunks + 1, indexSum: acc.indexSum + output }),
  finalize: (acc: unknown) => acc,
  same: (a, b) => a === b
}

export interface ThroughputInit {
  /** @defaultValue 100_000 */
  chunks?: number
  /** @defaultValue 1 */
  replication?: number
  /** @defaultValue 2 */
  workers?: number
  /** Chunks a worker asks for when it runs low. @defaultValue 512 */
  leaseBatch?: number
  /** Results per report. @defaultValue 128 */
  reportBatch?: number
}

export interface Throughput {
  chunks: number
  replication: number
  seconds: number
  chunksPerSec: number
  /** CPU time (user + system) of the whole run per chunk, in microseconds: what a coordinator pays. */
  cpuUsPerChunk: number
  /** Coordinator time per chunk spent in `lease` and in `complete`, in microseconds. */
  leaseUsPerChunk: number
  completeUsPerChunk: number
}

/**
 * Runs one job to the end: the workers take turns, each leasing `leaseBatch` when it holds fewer
 * than `reportBatch`, then reporting its oldest `reportBatch` results.
 */
export function measureThroughput (init: ThroughputInit = {}): Throughput {
  const { chunks = 100_000, replication = 1, workers = 2, leaseBatch = 512, reportBatch = 128 } = init
  const dir = mkdtempSync(join(tmpdir(), 'cycleshare-throughput-'))
  const scheduler = createScheduler({ store: openSqliteStore(join(dir, 'scheduler.db')), tasks: new Map([['noop', noopTask]]) })
  try {
    const job = scheduler.submit({ task: 'noop', params: {}, chunks, replication })
    const held: Lease[][] = Array.from({ length: workers }, () => [])
    let leaseNs = 0n
    let completeNs = 0n
    const start = process.hrtime.bigint()
    const cpu = process.cpuUsage()
    for (let idle = 0; idle < workers;) {
      idle = 0
      for (let w = 0; w < workers; w++) {
        const worker = `w${w}`
        if (held[w].length < reportBatch) {
          const t = process.hrtime.bigint()
          held[w].push(...scheduler.lease(worker, leaseBatch))
          leaseNs += process.hrtime.bigint() - t
        }
        const batch = held[w].splice(0, reportBatch)
        if (batch.length === 0) {
          idle++
          continue
        }
        const outcomes: ChunkResult[] = batch.map(g => ({ leaseId: g.leaseId, ok: true, output: (g.input as { index: number }).index }))
        const t = process.hrtime.bigint()
        const { rejected } = scheduler.complete(worker, outcomes)
        completeNs += process.hrtime.bigint() - t
        if (rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(rejected[0])}`)
      }
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    const { user, system } = process.cpuUsage(cpu)
    const expected = { chunks, indexSum: chunks * (chunks - 1) / 2 }
    const { value } = scheduler.result(job.id)
    if (JSON.stringify(value) !== JSON.stringify(expected)) throw new Error(`wrong result ${JSON.stringify(value)}`)
    return {
      chunks,
      replication,
      seconds,
      chunksPerSec: Math.round(chunks / seconds),
      cpuUsPerChunk: (user + system) / chunks,
      leaseUsPerChunk: Number(leaseNs) / 1e3 / chunks,
      completeUsPerChunk: Number(completeNs) / 1e3 / chunks
    }
  } finally {
    scheduler.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
