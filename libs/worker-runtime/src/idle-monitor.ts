/**
 * Whether the machine's owner can spare it now: idle while the owner's programs (CPU at normal
 * priority, by anyone but this worker: owner-load.ts) stay under `maxLoad`, and on AC power
 * unless `allowBattery` (`systeminformation`).
 */
import type { Startable } from '@cycleshare/lifecycle'
import si from 'systeminformation'
import { systemOwnerLoad, type OwnerLoad } from './owner-load.js'
import type { WorkHours } from './work-hours.js'

/** Whether the machine's owner can spare it now, and why not if not. */
export interface IdleState {
  idle: boolean
  /** CPU the owner used (normal priority, not this worker), percent of all cores, at the last sample. */
  otherLoad: number
  onBattery: boolean
  /** Not lent because the volunteer's work hours exclude now. */
  offHours?: boolean
  reason: string
}

export interface IdleMonitorInit {
  /** Idle while the owner's programs use less CPU than this (percent of all cores); 100 means always idle. @defaultValue 30 */
  maxLoad?: number
  /** Work on battery power too. @defaultValue false */
  allowBattery?: boolean
  /** How often load and power are sampled. @defaultValue 1000 */
  sampleIntervalMs?: number
  /** Lend the machine only within these hours (local time); always when undefined. */
  workHours?: WorkHours
}

/** Where samples come from; /proc and systeminformation by default, fakes in unit tests. */
export interface IdleMonitorComponents {
  /** The owner's CPU since the previous call, percent of all cores. */
  ownerLoad?: OwnerLoad
  onBattery?: () => Promise<boolean>
  /** The local time, for work hours. */
  now?: () => Date
}

/** What the runtime takes as its `idle` component: it reads `state` and listens for flips. */
export interface IdleMonitor extends Startable {
  readonly state: IdleState
  /** Called with the new state whenever `idle` flips. */
  onChange(listener: (state: IdleState) => void): () => void
  /** Takes one sample now (the timer calls this too). */
  sample(): Promise<IdleState>
}

/** The reason given before the first sample has measured the owner's load. */
export const MEASURING_LOAD = 'measuring load'

const defaults = { maxLoad: 30, allowBattery: false, sampleIntervalMs: 1000 }
type Options = typeof defaults & { workHours?: WorkHours }

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
  private readonly ownerLoad: OwnerLoad
  private readonly onBattery: () => Promise<boolean>

  private readonly now: () => Date

  constructor (private readonly options: Options, components: IdleMonitorComponents) {
    this.ownerLoad = components.ownerLoad ?? (options.maxLoad < 100 ? systemOwnerLoad() : async () => 0)
    this.onBattery = components.onBattery ?? (async () => { const b = await si.battery(); return b.hasBattery && !b.acConnected })
    this.now = components.now ?? (() => new Date())
    // Until the first interval has been measured we do not know: stay out of the way.
    this.current = this.offHours() ?? (options.maxLoad >= 100
      ? { idle: true, otherLoad: 0, onBattery: false, reason: 'always idle (max load 100%)' }
      : { idle: false, otherLoad: 0, onBattery: false, reason: MEASURING_LOAD })
  }

  get state (): IdleState {
    return this.current
  }

  async start (): Promise<void> {
    if (this.options.maxLoad < 100) {
      await this.ownerLoad() // starts the interval the first sample measures
    } else if (this.options.allowBattery && this.options.workHours === undefined) {
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

  /** Busy outside the volunteer's work hours, whatever the load; undefined within them. */
  private offHours (otherLoad = 0): IdleState | undefined {
    const hours = this.options.workHours
    if (hours === undefined || hours.within(this.now())) return undefined
    return { idle: false, otherLoad, onBattery: false, offHours: true, reason: `outside work hours (${hours.text})` }
  }

  async sample (): Promise<IdleState> {
    const [load, battery] = await Promise.all([
      this.options.maxLoad < 100 ? this.ownerLoad() : Promise.resolve(0),
      this.options.allowBattery ? Promise.resolve(false) : this.onBattery().catch(() => false)
    ])
    const otherLoad = load
    const next: IdleState = this.offHours(otherLoad) ?? (battery
      ? { idle: false, otherLoad, onBattery: true, reason: 'on battery power' }
      : this.options.maxLoad < 100 && otherLoad >= this.options.maxLoad
        ? { idle: false, otherLoad, onBattery: false, reason: `the owner is using the machine: ${otherLoad.toFixed(0)}% CPU at normal priority (limit ${this.options.maxLoad}%)` }
        : { idle: true, otherLoad, onBattery: false, reason: 'idle' })
    const flipped = next.idle !== this.current.idle
    this.current = next
    if (flipped) for (const l of this.listeners) l(next)
    return next
  }
}
