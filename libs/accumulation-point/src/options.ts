import type { GossipTopics } from '@cycleshare/protocol'
import { defaultAccumulationPointInit } from './constants.js'
import type { AccumulationPointComponents, AccumulationPointInit } from './types.js'

export type AccumulationPointOptions = Required<AccumulationPointInit>

const POSITIVE_INTEGERS = [
  'announceIntervalMs', 'pullsPerSecond', 'pullBurst', 'overBudgetPullsBeforeDisconnect', 'refusalsBeforeBackoff',
  'refusalBackoffMs', 'maxRefusalBackoffMs', 'forgetWorkersAfterMs'
] as const

/** Merges `init` over the defaults and checks it, throwing TypeError/RangeError naming the option. */
export function accumulationPointOptions (init: AccumulationPointInit = {}): AccumulationPointOptions {
  if (init === null || typeof init !== 'object') throw new TypeError('options must be an object')
  const options = { ...defaultAccumulationPointInit, ...stripUndefined(init) }
  for (const key of POSITIVE_INTEGERS) {
    const value = options[key]
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`options.${key} must be a positive integer`)
  }
  const { work, pull } = (options.topics ?? {}) as Partial<GossipTopics>
  if (typeof work !== 'string' || typeof pull !== 'string' || work === '' || pull === '' || work === pull) {
    throw new TypeError('options.topics must name two different gossip topics, work and pull')
  }
  if (typeof options.groupMember !== 'boolean') throw new TypeError('options.groupMember must be true or false')
  if (options.maxRefusalBackoffMs < options.refusalBackoffMs) {
    throw new RangeError('options.maxRefusalBackoffMs must be at least options.refusalBackoffMs')
  }
  return options
}

/** Checks what the accumulation point is given, throwing TypeError naming the component. */
export function checkComponents (components: AccumulationPointComponents): void {
  if (components === null || typeof components !== 'object') throw new TypeError('components must be an object')
  if (components.scheduler == null) throw new TypeError('components.scheduler is required')
  if (components.peer == null) throw new TypeError('components.peer is required')
  if (components.log !== undefined && typeof components.log !== 'function') throw new TypeError('components.log must be a function')
  if (components.clock !== undefined && typeof components.clock !== 'function') throw new TypeError('components.clock must be a function')
}

function stripUndefined<T extends object> (init: T): Partial<T> {
  return Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) as Partial<T>
}
