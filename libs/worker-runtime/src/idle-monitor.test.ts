import { describe, expect, it } from 'vitest'
import { createIdleMonitor } from './idle-monitor.js'

function fakeMachine () {
  const m = { load: 0, ownMicros: 0, now: 0, battery: false }
  return {
    m,
    components: {
      machineLoad: async () => m.load,
      ownCpuMicros: () => m.ownMicros,
      onBattery: async () => m.battery,
      cores: 2,
      now: () => m.now
    }
  }
}

describe('idle monitor', () => {
  it('subtracts its own CPU from the machine load', async () => {
    const { m, components } = fakeMachine()
    const idle = createIdleMonitor({ maxLoad: 30 }, components)
    await idle.start()
    // Over one second: the machine was 60% busy, of which this process used one full core (50% of two).
    m.now += 1000
    m.ownMicros += 1_000_000
    m.load = 60
    const s = await idle.sample()
    expect(s.otherLoad).toBeCloseTo(10, 5)
    expect(s.idle).toBe(true)
    idle.stop()
  })

  it('flips to busy when others use the CPU, and back, telling listeners once per flip', async () => {
    const { m, components } = fakeMachine()
    const idle = createIdleMonitor({ maxLoad: 30 }, components)
    const flips: boolean[] = []
    idle.onChange(s => flips.push(s.idle))
    await idle.start()
    expect(idle.state.idle).toBe(false) // unknown until an interval is measured
    for (const load of [5, 5, 80, 90, 10]) {
      m.now += 1000
      m.load = load
      await idle.sample()
    }
    expect(flips).toEqual([true, false, true])
    idle.stop()
  })

  it('is busy on battery unless allowed', async () => {
    const { m, components } = fakeMachine()
    m.battery = true
    const strict = createIdleMonitor({ maxLoad: 100 }, components)
    expect((await strict.sample()).reason).toBe('on battery power')
    const lenient = createIdleMonitor({ maxLoad: 100, allowBattery: true }, components)
    expect((await lenient.sample()).idle).toBe(true)
  })

  it('rejects options out of range, naming them', () => {
    expect(() => createIdleMonitor({ maxLoad: 120 })).toThrow('options.maxLoad')
    expect(() => createIdleMonitor({ sampleIntervalMs: 1.5 })).toThrow('options.sampleIntervalMs')
  })
})
