/**
 * Whether the machine's owner can spare it now. `systeminformation` gives whole-machine load and
 * AC power, not user idle time, so the machine counts as idle while everything but this process
 * stays under `maxLoad` and it is on AC power unless `allowBattery`.
 */
import { availableParallelism } from 'node:os'
import type { Startable } from '@cycleshare/lifecycle'
import si from 'systeminformation'

/** Whether the machine's owner can spare it now, and why not if not. */
export interface IdleState {
  idle: boolean
  /** CPU used by everything but this worker, percent of all cores, at the last sample. */
  otherLoad: number
  onBattery: boolean
  reason: string
}

export interface IdleMonitorInit {
  /** Idle while everything but this process uses less CPU than this (percent of all cores); 100 means always idle. @defaultValue 30 */
  maxLoad?: number
  /** Work on battery power too. @defaultValue false */
  allowBattery?: boolean
  /** How often load and power are sampled. @defaultValue 1000 */
  sampleIntervalMs?: number
}

/** Where samples come from; systeminformation by default, fakes in unit tests. */
export interface IdleMonitorComponents {
  /** Whole-machine CPU load since the previous call, percent of all cores. */
  machineLoad?: () => Promise<number>
  /** CPU time this process used, in microseconds, over all its threads. */
  ownCpuMicros?: () => number
  onBattery?: () => Promise<boolean>
  cores?: number
  now?: () => number
}

/** What the runtime takes as its `idle` component: it reads `state` and listens for flips. */
export interface IdleMonitor extends Startable {
  readonly state: IdleState
  /** Called with the new state whenever `idle` flips. */
  onChange(listener: (state: IdleState) => void): () => void
  /** Takes one sample now (the timer calls this too). */
  sample(): Promise<IdleState>
}

const defaults = { maxLoad: 30, allowBattery: false, sampleIntervalMs: 1000 }

export function createIdleMonitor (init: IdleMonitorInit = {}, components: IdleMonitorComponents = {}): IdleMonitor {
  const options = { ...defaults, ...init }
  if (!(options.maxLoad >= 0 && options.maxLoad <= 100)) throw new RangeError('options.maxLoad must be a number from 0 to 100')
  if (!Number.isInteger(options.sampleIntervalMs) || options.sampleIntervalMs < 10) throw new RangeError('options.sampleIntervalMs must be an integer of at least 10')
  return new SystemIdleMonitor(options, components)
}

class SystemIdleMonitor implements IdleMonitor {
  private current: IdleState
  private timer?: NodeJS.Timeout
  private readonly listeners = new Set<(s: IdleState) => void>()
  private lastOwn: number
  private lastAt: number
  private readonly machineLoad: () => Promise<number>
  private readonly ownCpuMicros: () => number
  private readonly onBattery: () => Promise<boolean>
  private readonly cores: number
  private readonly now: () => number

  constructor (private readonly options: Required<IdleMonitorInit>, components: IdleMonitorComponents) {
    this.machineLoad = components.machineLoad ?? (async () => (await si.currentLoad()).currentLoad)
    this.ownCpuMicros = components.ownCpuMicros ?? (() => { const u = process.cpuUsage(); return u.user + u.system })
    this.onBattery = components.onBattery ?? (async () => { const b = await si.battery(); return b.hasBattery && !b.acConnected })
    this.cores = components.cores ?? availableParallelism()
    this.now = components.now ?? Date.now
    this.lastOwn = this.ownCpuMicros()
    this.lastAt = this.now()
    // Until the first interval has been measured we do not know: stay out of the way.
    this.current = options.maxLoad >= 100
      ? { idle: true, otherLoad: 0, onBattery: false, reason: 'always idle (max load 100%)' }
      : { idle: false, otherLoad: 0, onBattery: false, reason: 'measuring load' }
  }

  get state (): IdleState {
    return this.current
  }

  async start (): Promise<void> {
    if (this.options.maxLoad < 100) {
      await this.machineLoad() // primes systeminformation's delta counters
      this.lastOwn = this.ownCpuMicros()
      this.lastAt = this.now()
    } else if (this.options.allowBattery) {
      return // nothing can make us busy: no need to sample at all
    }
    this.timer = setInterval(() => { void this.sample().catch(() => {}) }, this.options.sampleIntervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
  }

  onChange (listener: (s: IdleState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async sample (): Promise<IdleState> {
    const [load, battery] = await Promise.all([
      this.options.maxLoad < 100 ? this.machineLoad() : Promise.resolve(0),
      this.options.allowBattery ? Promise.resolve(false) : this.onBattery().catch(() => false)
    ])
    const own = this.ownCpuMicros()
    const at = this.now()
    const elapsedMicros = Math.max(1, (at - this.lastAt) * 1000)
    const ownPercent = (100 * (own - this.lastOwn)) / (elapsedMicros * this.cores)
    this.lastOwn = own
    this.lastAt = at
    const otherLoad = this.options.maxLoad < 100 ? Math.max(0, load - ownPercent) : 0
    const next: IdleState = battery
      ? { idle: false, otherLoad, onBattery: true, reason: 'on battery power' }
      : this.options.maxLoad < 100 && otherLoad >= this.options.maxLoad
        ? { idle: false, otherLoad, onBattery: false, reason: `the machine is busy: ${otherLoad.toFixed(0)}% CPU used by others (limit ${this.options.maxLoad}%)` }
        : { idle: true, otherLoad, onBattery: false, reason: 'idle' }
    const flipped = next.idle !== this.current.idle
    this.current = next
    if (flipped) for (const l of this.listeners) l(next)
    return next
  }
}
