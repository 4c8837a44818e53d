import { describe, expect, it } from 'vitest'
import { describeStatus, statusLine, type StatusParts } from './status.js'

const idle = { idle: true, otherLoad: 3, onBattery: false, reason: 'idle' }
const parts = (over: Partial<StatusParts> = {}): StatusParts => ({
  idle, paused: false, stopping: false, threads: 2, held: 0, chunksDone: 0, creditsMs: [], tasks: [], accumulationPoints: 1, ...over
})
const at = new Date('2026-11-30T13:00:00Z')

describe('worker status', () => {
  it('says what the worker does and why, in a volunteer\'s words', () => {
    expect(describeStatus(parts({ held: 3, chunksDone: 14, creditsMs: [30_500, undefined, 2_000], tasks: ['primes', 'pi', 'primes'] }), at)).toEqual({
      activity: 'working', reason: '3 chunks held', threads: 2, held: 3, chunksDone: 14, credit: 32.5, tasks: ['pi', 'primes'], accumulationPoints: 1, at: '2026-11-30T13:00:00.000Z'
    })
    expect(describeStatus(parts(), at).activity).toBe('waiting for work')
    expect(describeStatus(parts({ idle: { ...idle, idle: false, reason: 'the owner is using the machine: 55% CPU at normal priority (limit 30%)' } }), at))
      .toMatchObject({ activity: 'owner busy', reason: 'the owner is using the machine: 55% CPU at normal priority (limit 30%)' })
    expect(describeStatus(parts({ idle: { ...idle, idle: false, onBattery: true, reason: 'on battery power' } }), at).activity).toBe('on battery')
    expect(describeStatus(parts({ idle: { ...idle, idle: false, offHours: true, reason: 'outside work hours (22:00-07:00)' } }), at).activity).toBe('outside work hours')
    expect(describeStatus(parts({ paused: true }), at).activity).toBe('paused')
    expect(describeStatus(parts({ stopping: true, paused: true }), at).activity).toBe('stopping')
  })

  it('fits one line', () => {
    expect(statusLine(describeStatus(parts({ held: 2, chunksDone: 14, creditsMs: [32_540], tasks: ['primes'] }), at))).toBe('working · 2 held · 14 done · credit 32.5 CPU-s · primes')
    expect(statusLine(describeStatus(parts({ paused: true }), at))).toBe('paused · paused by its volunteer (resume: cycleshare-worker resume, or SIGUSR1) · 0 done · credit 0.0 CPU-s')
  })
})
