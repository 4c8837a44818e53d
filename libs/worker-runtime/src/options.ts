import { DEFAULT_TOPICS, type GossipTopics } from '@cycleshare/protocol'
import type { TaskPool } from '@cycleshare/tasks'
import { defaultWorkerRuntimeInit } from './constants.js'

export interface WorkerRuntimeInit {
  /** Peer ids of the accumulation points to work for from the start. @defaultValue `[]` */
  accumulationPoints?: readonly string[]
  /** Task threads when the runtime creates its own pool; must match a given pool's. @defaultValue `os.availableParallelism()` */
  threads?: number
  /** Chunks held beyond the running ones, at least. @defaultValue `2 × threads` */
  prefetch?: number
  /** Each thread is busy at most this share of the time (percent, 1 to 100). @defaultValue 100 */
  maxCpu?: number
  /** Heap cap of each task thread in MiB (when the runtime creates its own pool), and the most memory a custom task's module may have. @defaultValue 512 */
  maxMemoryMb?: number
  /** How long stopping waits for leases to be taken back and results delivered. @defaultValue 5_000 */
  shutdownGraceMs?: number
  /** How long stepping back waits for a peer to answer an offer of leases. @defaultValue 1_000 */
  handoffTimeoutMs?: number
  /** Work for every peer that announces work on the topics, as it is heard: for a peer group, where only members can connect. @defaultValue false */
  workForAnnouncers?: boolean
  /** The gossip topics work is heard and pulls are sent on: the open network's, or a peer group's (`groupTopics`). @defaultValue `DEFAULT_TOPICS` */
  topics?: GossipTopics
}

/** `WorkerRuntimeInit` with defaults applied and every value checked. */
export interface WorkerRuntimeOptions {
  accumulationPoints: string[]
  threads: number
  prefetch: number
  maxCpu: number
  maxMemoryMb: number
  shutdownGraceMs: number
  handoffTimeoutMs: number
  topics: GossipTopics
  workForAnnouncers: boolean
}

/** Merges `init` over the defaults and validates it, throwing TypeError/RangeError naming the option. */
export function workerRuntimeOptions (init: WorkerRuntimeInit = {}, pool?: TaskPool): WorkerRuntimeOptions {
  if (typeof init !== 'object' || init === null) throw new TypeError('options must be an object')
  const d = defaultWorkerRuntimeInit
  const threads = integer(init.threads ?? pool?.threads ?? d.threads(), 'threads', 1, 1024)
  if (pool !== undefined && threads !== pool.threads) {
    throw new RangeError(`options.threads is ${threads} but the pool given has ${pool.threads} threads`)
  }
  const points = init.accumulationPoints ?? d.accumulationPoints
  if (!Array.isArray(points)) throw new TypeError('options.accumulationPoints must be an array of peer ids')
  points.forEach((id, i) => { checkPeerId(id, `options.accumulationPoints[${i}]`) })
  const twice = points.find((id, i) => points.indexOf(id) !== i)
  if (twice !== undefined) throw new RangeError(`options.accumulationPoints lists ${twice} twice`)
  return {
    accumulationPoints: [...points],
    threads,
    prefetch: integer(init.prefetch ?? d.prefetch(threads), 'prefetch', 0, 1024),
    maxCpu: integer(init.maxCpu ?? d.maxCpu, 'maxCpu', 1, 100),
    maxMemoryMb: integer(init.maxMemoryMb ?? d.maxMemoryMb, 'maxMemoryMb', 16, 65536),
    shutdownGraceMs: integer(init.shutdownGraceMs ?? d.shutdownGraceMs, 'shutdownGraceMs', 0, 600_000),
    handoffTimeoutMs: integer(init.handoffTimeoutMs ?? d.handoffTimeoutMs, 'handoffTimeoutMs', 1, 60_000),
    topics: topics(init.topics),
    workForAnnouncers: flag(init.workForAnnouncers, 'workForAnnouncers')
  }
}

function flag (value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be true or false`)
  return value
}

function topics (value: GossipTopics | undefined): GossipTopics {
  if (value === undefined) return { ...DEFAULT_TOPICS }
  const { work, pull } = (value ?? {}) as Partial<GossipTopics>
  if (typeof work !== 'string' || typeof pull !== 'string' || work === '' || pull === '' || work === pull) {
    throw new TypeError('options.topics must name two different gossip topics, work and pull')
  }
  return { work, pull }
}

/** A libp2p peer id as text (base58btc, like `12D3KooW…`). */
export function checkPeerId (value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{10,128}$/.test(value)) {
    throw new TypeError(`${name} must be a peer id such as 12D3KooW…, got ${JSON.stringify(value)}`)
  }
  return value
}

function integer (value: unknown, option: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`options.${option} must be an integer`)
  if (value < min || value > max) throw new RangeError(`options.${option} must be from ${min} to ${max}, got ${value}`)
  return value
}
