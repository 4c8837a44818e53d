import { describe, expect, it } from 'vitest'
import { createPacing } from './pacing.js'

describe('pacing', () => {
  it('holds the threads plus the prefetch while chunks are slow', () => {
    // Before anything has run a chunk is guessed at 50 ms: 2 threads × 200 ms / 50 ms = 8 > 4.
    const pacing = createPacing({ threads: 2, prefetch: 4 })
    expect([pacing.chunkMs, pacing.capacity, pacing.pullBatch]).toEqual([50, 10, 5])
    pacing.record(1_000, 1) // 50 + 0.1 × (1000 − 50) = 145 ms: 400 / 145 → 3 < 4
    expect(pacing.chunkMs).toBeCloseTo(145, 10)
    expect([pacing.capacity, pacing.pullBatch]).toEqual([6, 3])
  })

  it('holds about 200 ms of work per thread for fast chunks, up to 1,024', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 })
    pacing.record(100, 10) // a batch of 10 chunks in 100 ms: 10 ms each; 50 + 0.1 × (10 − 50) = 46
    expect(pacing.chunkMs).toBeCloseTo(46, 10)
    expect(pacing.capacity).toBe(2 + Math.ceil(400 / 46))
    for (let i = 0; i < 200; i++) pacing.record(0.01, 1)
    expect(pacing.capacity).toBe(1024)
    expect(pacing.pullBatch).toBe(512)
  })

  it('pulls at once when empty, then only once half the capacity is free', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 }) // capacity 10, pull batch 5
    expect(pacing.slotsToPull(0)).toBe(10)
    expect(pacing.slotsToPull(5)).toBe(5)
    expect(pacing.slotsToPull(6)).toBe(0)
    expect(pacing.slotsToPull(10)).toBe(0)
    expect(pacing.slotsToPull(12)).toBe(0)
  })

  it('splits the free slots between the accumulation points that hear one pull', () => {
    const pacing = createPacing({ threads: 2, prefetch: 4 }) // capacity 10, pull batch 5
    expect([pacing.slotsToPull(0, 2), pacing.slotsToPull(0, 3), pacing.slotsToPull(5, 2), pacing.slotsToPull(5, 9)]).toEqual([5, 3, 2, 1])
    expect(pacing.slotsToPull(6, 2)).toBe(0)
  })

  it('with no prefetch and slow chunks holds one chunk beyond the running one', () => {
    const pacing = createPacing({ threads: 1, prefetch: 0 })
    for (let i = 0; i < 100; i++) pacing.record(10_000, 1) // ~10 s a chunk: 200 ms is a fraction of one
    expect([pacing.capacity, pacing.pullBatch]).toEqual([2, 1])
    expect([pacing.slotsToPull(0), pacing.slotsToPull(1), pacing.slotsToPull(2)]).toEqual([2, 1, 0])
  })
})
