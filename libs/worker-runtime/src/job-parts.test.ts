import { describe, expect, it } from 'vitest'
import { JOB_PART_QUIET_MS, JobParts } from './job-parts.js'

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
