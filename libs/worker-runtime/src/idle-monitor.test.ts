import { describe, expect, it } from 'vitest'
import { createIdleMonitor } from './idle-monitor.js'
import { parseWorkHours } from './work-hours.js'

function fakeMachine () {
  const m = { load: 0, battery: false }
  return {
    m,
    components: {
      ownerLoad: async () => m.load,
      onBattery: async () => m.battery
    }
  }
}

describe('idle monitor', () => {
  it('is idle under the limit and says why not over it', async () => {
    const { m, components } = fakeMachine()
    const idle = createIdleMonitor({ maxLoad: 30 }, components)
    await idle.start()
    m.load = 29
    expect(await idle.sample()).toEqual({ idle: true, otherLoad: 29, onBattery: false, reason: 'idle' })
    m.load = 55
    expect(await idle.sample()).toEqual({ idle: false, otherLoad: 55, onBattery: false, reason: 'the owner is using the machine: 55% CPU at normal priority (limit 30%)' })
    await idle.stop()
  })

  it('flips to busy when others use the CPU, and back, telling listeners once per flip', async () => {
    const { m, components } = fakeMachine()
    const idle = createIdleMonitor({ maxLoad: 30 }, components)
    const flips: boolean[] = []
    idle.onChange(s => flips.push(s.idle))
    await idle.start()
    expect(idle.state.idle).toBe(false) // unknown until an interval is measured
    for (const load of [5, 5, 80, 90, 10]) {
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

  it('steps back outside the volunteer\'s work hours, whatever the load, and comes back within them', async () => {
    const { m, components } = fakeMachine()
    let clock = new Date(2026, 10, 30, 21, 59)
    const idle = createIdleMonitor({ maxLoad: 100, allowBattery: true, workHours: parseWorkHours('22:00-07:00') }, { ...components, now: () => clock })
    expect(idle.state).toEqual({ idle: false, otherLoad: 0, onBattery: false, offHours: true, reason: 'outside work hours (22:00-07:00)' })
    const flips: boolean[] = []
    idle.onChange(s => flips.push(s.idle))
    clock = new Date(2026, 10, 30, 22, 0)
    expect((await idle.sample()).idle).toBe(true)
    m.load = 99
    clock = new Date(2026, 11, 1, 7, 0)
    expect(await idle.sample()).toMatchObject({ idle: false, offHours: true })
    expect(flips).toEqual([true, false])
  })

  it('rejects options out of range, naming them', () => {
    expect(() => createIdleMonitor({ maxLoad: 120 })).toThrow('options.maxLoad')
    expect(() => createIdleMonitor({ sampleIntervalMs: 1.5 })).toThrow('options.sampleIntervalMs')
  })
})
