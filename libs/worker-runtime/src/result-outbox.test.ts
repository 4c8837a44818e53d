import { describe, expect, it } from 'vitest'
import type { ChunkResult } from '@cycleshare/protocol'
import { createResultOutbox } from './result-outbox.js'

const ok = (leaseId: string): ChunkResult => ({ leaseId, ok: true, output: { count: 1 } })

describe('ResultOutbox', () => {
  it('batches whatever finishes while a report is in flight into the next one', async () => {
    const sent: string[][] = []
    let release!: () => void
    const outbox = createResultOutbox(async (results) => {
      sent.push(results.map(r => r.leaseId))
      if (sent.length === 1) await new Promise<void>(r => { release = r })
      return results.map(r => r.leaseId)
    })
    outbox.add(ok('a'))
    outbox.add(ok('b'))
    outbox.add(ok('c'))
    release()
    expect(await outbox.drain(5_000)).toBe(true)
    expect(sent).toEqual([['a'], ['b', 'c']])
  })

  it('keeps results the coordinator did not answer for, and resends them after a failure', async () => {
    const sent: string[][] = []
    const outbox = createResultOutbox(async (results) => {
      sent.push(results.map(r => r.leaseId))
      if (sent.length === 1) throw new Error('coordinator unreachable')
      if (sent.length === 2) return ['a'] // answers for one of two
      return results.map(r => r.leaseId)
    }, { retryMs: 1 })
    outbox.add(ok('a'))
    outbox.add(ok('b'))
    expect(await outbox.drain(5_000)).toBe(true)
    expect(sent[0]).toEqual(['a'])
    expect(sent.at(-1)).toEqual(['b'])
    expect(outbox.size).toBe(0)
  })

  it('reports whether it emptied within the time given', async () => {
    const outbox = createResultOutbox(async () => await new Promise<string[]>(() => {}))
    outbox.add(ok('a'))
    expect(await outbox.drain(20)).toBe(false)
    expect(outbox.size).toBe(1)
    outbox.stop()
  })
})
