import { describe, expect, it } from 'vitest'
import { BURST_BYTES, InboundBudget, QUIET_BYTES } from './budget.js'

const MiB = 1024 * 1024

describe('InboundBudget bursts', () => {
  it('calls onBurstOver once when bytes held across peers reach BURST_BYTES and then fall under QUIET_BYTES', () => {
    let over = 0
    const budget = new InboundBudget(64 * MiB, () => { over++ })
    const a = budget.open('a')
    const b = budget.open('b')
    expect(a.arrived(BURST_BYTES / 2)).toBeUndefined()
    expect(b.arrived(BURST_BYTES / 2)).toBeUndefined()
    a.end()
    expect(over).toBe(0) // half the burst is still held
    b.answered(BURST_BYTES / 2 - QUIET_BYTES)
    expect(over).toBe(0) // exactly QUIET_BYTES is not under it
    b.end()
    expect(over).toBe(1)
    expect(budget.usage()).toEqual({ bytes: 0, streams: 0, peers: [] })
  })

  it('does not call it for traffic that never holds BURST_BYTES at once, and calls it again for the next burst', () => {
    let over = 0
    const budget = new InboundBudget(64 * MiB, () => { over++ })
    for (let i = 0; i < 100; i++) {
      const s = budget.open(`p${i % 3}`)
      s.arrived(16 * MiB)
      s.answered(16 * MiB)
      s.end()
    }
    expect(over).toBe(0)
    for (let burst = 1; burst <= 2; burst++) {
      const s = budget.open('x')
      s.arrived(BURST_BYTES)
      s.end()
      expect(over).toBe(burst)
    }
  })

  it('counts nothing for bytes refused over a peer\'s budget', () => {
    let over = 0
    const budget = new InboundBudget(16 * MiB, () => { over++ })
    const s = budget.open('a')
    expect(s.arrived(16 * MiB + 1)?.name).toBe('InboundBudgetExceededError')
    expect(budget.usage().bytes).toBe(0)
    expect(over).toBe(0)
  })
})
