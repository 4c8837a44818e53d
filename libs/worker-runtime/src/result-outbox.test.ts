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

  it('sends at once what waits in the coalescing window when asked, and resolves once it is answered', async () => {
    const sent: string[][] = []
    const outbox = createResultOutbox(async (results) => {
      sent.push(results.map(r => r.leaseId))
      return results.map(r => r.leaseId)
    }, { coalesceMs: 60_000, moreComing: () => true })
    outbox.add(ok('a')) // the first goes at once
    outbox.add(ok('b')) // then results wait for more, up to a minute
    await outbox.sendNow()
    expect(sent).toEqual([['a'], ['b']])
    expect(outbox.size).toBe(0)
    await outbox.sendNow() // nothing waits: resolves at once
    expect(sent).toHaveLength(2)
    outbox.stop()
  })

  it('does not hold a caller of sendNow while it waits out a retry', async () => {
    let calls = 0
    const outbox = createResultOutbox(async () => { calls++; throw new Error('coordinator unreachable') }, { retryMs: 60_000 })
    outbox.add(ok('a'))
    await outbox.sendNow() // the report in flight fails: the retry is a minute away
    await outbox.sendNow()
    expect([calls, outbox.size]).toEqual([1, 1])
    outbox.stop()
  })

  it('reports whether it emptied within the time given', async () => {
    const outbox = createResultOutbox(async () => await new Promise<string[]>(() => {}))
    outbox.add(ok('a'))
    expect(await outbox.drain(20)).toBe(false)
    expect(outbox.size).toBe(1)
    outbox.stop()
  })
})
