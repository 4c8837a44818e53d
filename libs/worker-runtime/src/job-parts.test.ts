import { describe, expect, it, vi } from 'vitest'
import { JOB_PART_QUIET_MS, JobParts, logJobParts } from './job-parts.js'

describe('JobParts', () => {
  it('closes a job\'s part once nothing of it is held and its last chunk ended the quiet time ago, with what ran here', () => {
    const parts = new JobParts()
    parts.ran('coord', 'j1', 'primes', { ok: true, cpuMs: 40 }, 1_000)
    parts.ran('coord', 'j1', 'primes', { ok: false, cpuMs: 5 }, 1_500)
    parts.ran('coord', 'j1', 'primes', { ok: true }, 2_000)
    parts.ran('other', 'j1', 'pi', { ok: true, cpuMs: 7 }, 2_000)
    const holdsNothing = (): boolean => false
    expect(parts.settle(2_000 + JOB_PART_QUIET_MS - 1, holdsNothing)).toEqual([])
    expect(parts.settle(2_000 + JOB_PART_QUIET_MS, holdsNothing)).toEqual([
      { accumulationPoint: 'coord', jobId: 'j1', task: 'primes', chunks: 3, failed: 1, cpuMs: 45, firstAt: 1_000, lastAt: 2_000 },
      { accumulationPoint: 'other', jobId: 'j1', task: 'pi', chunks: 1, failed: 0, cpuMs: 7, firstAt: 2_000, lastAt: 2_000 }
    ])
    // Closed once: a later chunk of the same job opens a new part.
    expect(parts.settle(60_000, holdsNothing)).toEqual([])
    parts.ran('coord', 'j1', 'primes', { ok: true, cpuMs: 1 }, 70_000)
    expect(parts.settle(80_000, holdsNothing).map(p => p.chunks)).toEqual([1])
  })

  it('keeps a part open while the worker still holds chunks of its job, however long ago the last one ended', () => {
    const parts = new JobParts()
    parts.ran('coord', 'j1', 'primes', { ok: true, cpuMs: 1 }, 0)
    parts.ran('coord', 'j2', 'primes', { ok: true, cpuMs: 1 }, 0)
    const holds = (point: string, job: string): boolean => point === 'coord' && job === 'j1'
    expect(parts.settle(1_000_000, holds).map(p => p.jobId)).toEqual(['j2'])
    expect(parts.settle(2_000_000, () => false).map(p => p.jobId)).toEqual(['j1'])
  })
})

describe('logJobParts', () => {
  it('ticks only while a part is open, and logs each part once it closes', async () => {
    vi.useFakeTimers()
    try {
      const parts = new JobParts()
      const lines: Array<{ fields: Record<string, unknown>, msg: string }> = []
      let held = true
      const stop = logJobParts(parts, () => held, { info: (fields, msg) => { lines.push({ fields, msg }) } })
      expect(vi.getTimerCount()).toBe(0) // a worker waiting for work is not woken for it
      parts.ran('coord', 'j1', 'primes', { ok: true, cpuMs: 1_500 }, Date.now())
      expect(vi.getTimerCount()).toBe(1)
      vi.advanceTimersByTime(JOB_PART_QUIET_MS + 1_000)
      expect(lines).toEqual([])
      held = false
      vi.advanceTimersByTime(1_000)
      expect(lines).toEqual([{ fields: { accumulationPoint: 'coord', job: 'j1', task: 'primes', chunks: 1, failed: 0, cpuSeconds: 1.5, seconds: 0 }, msg: 'finished with a job' }])
      expect(vi.getTimerCount()).toBe(0)
      stop()
      parts.ran('coord', 'j2', 'primes', { ok: true }, Date.now())
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
