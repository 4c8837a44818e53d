import { describe, expect, it } from 'vitest'
import { createPacing } from './pacing.js'

describe('pacing', () => {
  it('holds the threads plus the prefetch while chunks are slow, or before their pace is known', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 })
    expect([pacing.chunkMs('j'), pacing.capacity([]), pacing.capacity(['j'])]).toEqual([50, 6, 6])
    pacing.record('j', 1_000, 1) // the first measure replaces the guess: 2 threads × 500 ms / 1000 → 1 < 4
    expect([pacing.chunkMs('j'), pacing.capacity(['j'])]).toEqual([1_000, 6])
    pacing.record('j', 2_000, 1) // 1000 + 0.1 × (2000 − 1000)
    expect(pacing.chunkMs('j')).toBeCloseTo(1_100, 10)
  })

  it('holds about 500 ms of work per thread for fast chunks, up to 1,024', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 })
    pacing.record('j', 100, 10) // a batch of 10 chunks in 100 ms: 10 ms each
    expect(pacing.capacity(['j'])).toBe(2 + 100)
    pacing.record('j', 0.01, 1)
    expect(pacing.chunkMs('j')).toBeCloseTo(9.001, 10)
    for (let i = 0; i < 200; i++) pacing.record('j', 0.01, 1)
    expect(pacing.capacity(['j'])).toBe(1024)
  })

  it('keeps a pace per job: holding nothing, or a job not yet run, holds the least; several, at the slowest', () => {
    const pacing = createPacing({ threads: 1, prefetch: 2 })
    pacing.record('tiny', 0.01, 1)
    pacing.record('slower', 100, 1)
    pacing.record('long', 800, 1)
    expect(pacing.capacity(['tiny'])).toBe(1024)
    // A worker that ran tiny chunks and holds none now does not pull on their pace, nor on a guess.
    expect(pacing.capacity([])).toBe(1 + 2)
    expect(pacing.capacity(['tiny', 'new'])).toBe(1 + 2)
    expect(pacing.capacity(['tiny', 'slower'])).toBe(1 + 5) // 500 / 100
    expect(pacing.capacity(['tiny', 'slower', 'long'])).toBe(1 + 2) // the prefetch: 500 / 800 < 2
    expect(pacing.chunkMs('new')).toBe(50)
  })

  it('checkpoints chunks of a job not yet run and of one whose chunks take 500 ms or more, not shorter ones', () => {
    const pacing = createPacing({ threads: 1, prefetch: 2 })
    expect(pacing.checkpointed('new')).toBe(true)
    pacing.record('short', 499, 1)
    pacing.record('long', 500, 1)
    expect([pacing.checkpointed('short'), pacing.checkpointed('long')]).toEqual([false, true])
  })

  it('forgets the pace of the job run longest ago past 64 jobs', () => {
    const pacing = createPacing({ threads: 1, prefetch: 2 })
    for (let i = 0; i < 65; i++) pacing.record(`j${i}`, 1, 1)
    expect([pacing.chunkMs('j0'), pacing.chunkMs('j1'), pacing.chunkMs('j64')]).toEqual([50, 1, 1])
    pacing.record('j1', 1, 1) // run again: now the latest
    pacing.record('j65', 1, 1)
    expect([pacing.chunkMs('j1'), pacing.chunkMs('j2')]).toEqual([1, 50])
  })

  it('pulls at once when empty, then only once half the capacity is free', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 })
    expect(pacing.slotsToPull(0, 10)).toBe(10)
    expect(pacing.slotsToPull(5, 10)).toBe(5)
    expect(pacing.slotsToPull(6, 10)).toBe(0)
    expect(pacing.slotsToPull(10, 10)).toBe(0)
    expect(pacing.slotsToPull(12, 10)).toBe(0)
    expect([pacing.slotsToPull(1, 3), pacing.slotsToPull(2, 3)]).toEqual([2, 0])
  })

  it('splits the free slots between the accumulation points that hear one pull', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 })
    expect([pacing.slotsToPull(0, 10, 2), pacing.slotsToPull(0, 10, 3), pacing.slotsToPull(5, 10, 2), pacing.slotsToPull(5, 10, 9)]).toEqual([5, 3, 2, 1])
    expect(pacing.slotsToPull(6, 10, 2)).toBe(0)
  })

  it('with no prefetch and slow chunks holds one chunk beyond the running one', () => {
    const pacing = createPacing({ threads: 1, prefetch: 0 })
    pacing.record('j', 10_000, 1) // ~10 s a chunk: 500 ms is a fraction of one
    expect(pacing.capacity(['j'])).toBe(2)
    expect([pacing.slotsToPull(0, 2), pacing.slotsToPull(1, 2), pacing.slotsToPull(2, 2)]).toEqual([2, 1, 0])
  })
})
