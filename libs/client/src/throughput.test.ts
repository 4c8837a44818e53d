import { describe, expect, it } from 'vitest'
import { Throughput } from './throughput.js'

describe('throughput and ETA', () => {
  it('is unknown until two samples 200 ms apart, then chunks a second over the window', () => {
    const t = new Throughput(10_000)
    expect(t.rate()).toBeUndefined()
    t.add(0, 0)
    t.add(100, 1)
    expect(t.rate()).toBeUndefined()
    t.add(1000, 10)
    expect(t.rate()).toBe(10)
    expect(t.etaMs(100)).toBe(9000)
  })

  it('forgets samples older than the window, so a job that slows down shows its new pace', () => {
    const t = new Throughput(10_000)
    for (let s = 0; s <= 10; s++) t.add(s * 1000, s * 10) // 10 a second
    for (let s = 11; s <= 30; s++) t.add(s * 1000, 100 + (s - 10)) // then 1 a second
    expect(t.rate()).toBe(1)
    expect(t.etaMs(130)).toBe(10_000)
  })

  it('starts again when a count goes backwards, and has no ETA at a standstill', () => {
    const t = new Throughput()
    t.add(0, 5)
    t.add(1000, 5)
    expect(t.rate()).toBe(0)
    expect(t.etaMs(10)).toBeUndefined()
    t.add(2000, 3)
    expect(t.rate()).toBeUndefined()
  })
})

describe('durations', () => {
  it('reads at a glance', async () => {
    const { duration } = await import('./throughput.js')
    expect([850, 3_240, 245_000, 7_620_000, -1, Number.NaN].map(duration)).toEqual(['850 ms', '3.2 s', '4 min 05 s', '2 h 07 min', '?', '?'])
  })
})
