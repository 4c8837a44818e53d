import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { encodingLength } from 'uint8-varint'
import {
  DEFAULT_BOOTSTRAP, DEFAULT_INBOUND_CONNECTIONS_PER_HOST, DEFAULT_INBOUND_FRAMES_PER_PEER, DEFAULT_LISTEN, DEFAULT_MAX_FRAME_BYTES, DEFAULT_REDIAL_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS, MAX_FRAME_BYTES_LIMIT
} from './constants.js'
import type { GossipTopicInit, GossipValidator, PeerInit, PeerLog } from './types.js'

/** A gossip topic's settings after checking. */
export interface GossipTopicOptions {
  validate?: GossipValidator
  maxMessagesPerSecond?: number
}

/** `PeerInit` after defaults are applied and every value is checked. */
export interface PeerOptions {
  dataDir?: string
  listen: string[]
  bootstrap: Multiaddr[]
  bootstrapRole: string
  maxFrameBytes: number
  requestTimeoutMs: number
  redialIntervalMs: number
  maxInboundBytesPerPeer: number
  inboundConnectionsPerHost: number
  gossipTopics: Map<string, GossipTopicOptions>
  privateNetwork?: Uint8Array
  mdns?: { serviceTag: string, intervalMs: number }
  hearsItself: boolean
  log?: PeerLog
}

/** Merge `init` over the defaults and validate it, throwing TypeError/RangeError naming the option. */
export function peerOptions (init: PeerInit = {}): PeerOptions {
  if (typeof init !== 'object' || init === null) {
    throw new TypeError('options must be an object')
  }
  const merged = {
    listen: [...DEFAULT_LISTEN],
    bootstrap: [...DEFAULT_BOOTSTRAP],
    bootstrapRole: 'bootstrap peer',
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    redialIntervalMs: DEFAULT_REDIAL_INTERVAL_MS,
    inboundConnectionsPerHost: DEFAULT_INBOUND_CONNECTIONS_PER_HOST,
    ...stripUndefined(init)
  }

  if (merged.dataDir !== undefined && (typeof merged.dataDir !== 'string' || merged.dataDir === '')) {
    throw new TypeError('options.dataDir must be a non-empty string')
  }
  if (merged.log !== undefined && typeof merged.log !== 'function') {
    throw new TypeError('options.log must be a function')
  }
  const listen = stringArray(merged.listen, 'listen')
  listen.forEach((addr, i) => parseMultiaddr(addr, `options.listen[${i}]`))
  const bootstrap = stringArray(merged.bootstrap, 'bootstrap').map((addr, i) => {
    const ma = parseMultiaddr(addr, `options.bootstrap[${i}]`)
    if (peerIdOf(ma) === undefined) {
      throw new TypeError(`options.bootstrap[${i}] must end in /p2p/<peer id>: ${addr}`)
    }
    return ma
  })

  const maxFrameBytes = positiveInteger(merged.maxFrameBytes, 'maxFrameBytes', MAX_FRAME_BYTES_LIMIT)
  const oneFrame = maxFrameBytes + encodingLength(maxFrameBytes)
  const maxInboundBytesPerPeer = merged.maxInboundBytesPerPeer === undefined
    ? DEFAULT_INBOUND_FRAMES_PER_PEER * oneFrame
    : positiveInteger(merged.maxInboundBytesPerPeer, 'maxInboundBytesPerPeer')
  if (maxInboundBytesPerPeer < oneFrame) {
    // Below one whole frame, a peer could never send a request of the largest size.
    throw new RangeError(`options.maxInboundBytesPerPeer must be at least one frame of maxFrameBytes with its prefix (${oneFrame}), got ${maxInboundBytesPerPeer}`)
  }

  return {
    dataDir: merged.dataDir,
    listen,
    bootstrap,
    bootstrapRole: nonEmptyString(merged.bootstrapRole, 'bootstrapRole'),
    maxFrameBytes,
    requestTimeoutMs: positiveInteger(merged.requestTimeoutMs, 'requestTimeoutMs'),
    redialIntervalMs: positiveInteger(merged.redialIntervalMs, 'redialIntervalMs'),
    maxInboundBytesPerPeer,
    inboundConnectionsPerHost: positiveInteger(merged.inboundConnectionsPerHost, 'inboundConnectionsPerHost'),
    gossipTopics: gossipTopics(merged.gossipTopics),
    privateNetwork: privateNetwork(merged.privateNetwork),
    mdns: mdnsOptions(merged.mdns),
    hearsItself: booleanOption(merged.hearsItself, 'hearsItself'),
    log: merged.log
  }
}

function gossipTopics (value: unknown): Map<string, GossipTopicOptions> {
  const topics = new Map<string, GossipTopicOptions>()
  if (value === undefined) return topics
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('options.gossipTopics must be an object of topic settings')
  }
  for (const [topic, init] of Object.entries(value as Record<string, GossipTopicInit>)) {
    const name = `options.gossipTopics[${JSON.stringify(topic)}]`
    if (topic === '') throw new TypeError('options.gossipTopics must not name an empty topic')
    if (typeof init !== 'object' || init === null) throw new TypeError(`${name} must be an object`)
    if (init.validate !== undefined && typeof init.validate !== 'function') {
      throw new TypeError(`${name}.validate must be a function`)
    }
    const rate = init.maxMessagesPerSecond
    if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)) {
      throw new RangeError(`${name}.maxMessagesPerSecond must be a positive number, got ${String(rate)}`)
    }
    topics.set(topic, { validate: init.validate, maxMessagesPerSecond: rate })
  }
  return topics
}

/** The peer id in a multiaddr's last `/p2p/` component, if any. */
export function peerIdOf (ma: Multiaddr): string | undefined {
  return ma.getComponents().findLast(c => c.code === CODE_P2P)?.value
}

function parseMultiaddr (addr: string, name: string): Multiaddr {
  try {
    return multiaddr(addr)
  } catch (err) {
    throw new TypeError(`${name} is not a valid multiaddr: ${JSON.stringify(addr)}`, { cause: err })
  }
}

function stringArray (value: unknown, option: string): string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`options.${option} must be an array of strings`)
  }
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new TypeError(`options.${option}[${i}] must be a string`)
    }
  })
  return [...value] as string[]
}

function positiveInteger (value: unknown, option: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`options.${option} must be an integer`)
  }
  if (value < 1 || value > max) {
    throw new RangeError(`options.${option} must be between 1 and ${max}, got ${value}`)
  }
  return value
}

// `{ listen: undefined }` means "use the default", as it would with a spread of a missing key.
function stripUndefined<T extends object> (init: T): Partial<T> {
  return Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) as Partial<T>
}

function privateNetwork (value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof Uint8Array) || value.length !== 32) throw new TypeError('options.privateNetwork must be a 32-byte key')
  return value
}

/** mDNS service tags are DNS labels: the group's own tag keeps other groups' peers from being dialled at all. */
function mdnsOptions (value: unknown): PeerOptions['mdns'] {
  if (value === undefined) return undefined
  const { serviceTag, intervalMs = 2_000 } = (value ?? {}) as { serviceTag?: unknown, intervalMs?: unknown }
  if (typeof serviceTag !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(serviceTag)) {
    throw new TypeError('options.mdns.serviceTag must be 1 to 63 lowercase letters, digits and dashes')
  }
  return { serviceTag, intervalMs: positiveInteger(intervalMs, 'mdns.intervalMs') }
}

function booleanOption (value: unknown, option: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new TypeError(`options.${option} must be true or false`)
  return value
}

function nonEmptyString (value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 64) throw new TypeError(`options.${option} must be a non-empty string of at most 64 characters`)
  return value
}
