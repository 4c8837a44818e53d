import { describe, expect, it } from 'vitest'
import type { ChunkResult } from '@cycleshare/protocol'
import type { CompleteResult } from '@cycleshare/scheduler'
import { ReportBatcher } from './report-batcher.js'

const result = (leaseId: string): ChunkResult => ({ leaseId, ok: true, output: { count: 1 } })
const acceptedAll = (results: ChunkResult[]): CompleteResult => ({ accepted: results.map(r => r.leaseId), rejected: [] })

/** A scheduler that records its calls and answers by accepting everything, unless told otherwise. */
function recording (completeAll?: () => CompleteResult[]) {
  const calls: Array<[string, string[]]> = []
  return {
    calls,
    complete (worker: string, results: ChunkResult[]): CompleteResult {
      calls.push(['complete', [worker]])
      if (worker === 'broken') throw new Error('no such table')
      return acceptedAll(results)
    },
    completeAll (reports: ReadonlyArray<{ worker: string, results: ChunkResult[] }>): CompleteResult[] {
      calls.push(['completeAll', reports.map(r => r.worker)])
      return completeAll?.() ?? reports.map(r => acceptedAll(r.results))
    }
  }
}

describe('report batcher', () => {
  it('records the reports that arrive in one turn in one transaction, and answers each its own', async () => {
    const scheduler = recording()
    const batcher = new ReportBatcher(scheduler)
    const answers = await Promise.all([
      batcher.complete('w1', [result('a'), result('b')]),
      batcher.complete('w2', [result('c')]),
      batcher.complete('w3', [result('d')])
    ])
    expect(scheduler.calls).toEqual([['completeAll', ['w1', 'w2', 'w3']]])
    expect(answers).toEqual([{ accepted: ['a', 'b'], rejected: [] }, { accepted: ['c'], rejected: [] }, { accepted: ['d'], rejected: [] }])
    // A later turn is a transaction of its own; a report alone goes through `complete`.
    expect(await batcher.complete('w1', [result('e')])).toEqual({ accepted: ['e'], rejected: [] })
    expect(scheduler.calls.at(-1)).toEqual(['complete', ['w1']])
  })

  it('records each report alone when the shared transaction fails: one report\'s failure is its own', async () => {
    const scheduler = recording(() => { throw new Error('rolled back') })
    const batcher = new ReportBatcher(scheduler)
    const [good, bad] = await Promise.allSettled([batcher.complete('w1', [result('a')]), batcher.complete('broken', [result('b')])])
    expect(good).toEqual({ status: 'fulfilled', value: { accepted: ['a'], rejected: [] } })
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'no such table' } })
    expect(scheduler.calls).toEqual([['completeAll', ['w1', 'broken']], ['complete', ['w1']], ['complete', ['broken']]])
  })
})
