import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  DEFAULT_BOOTSTRAP, DEFAULT_LISTEN, DEFAULT_MAX_FRAME_BYTES, DEFAULT_REDIAL_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS, MAX_FRAME_BYTES_LIMIT
} from './constants.js'
import type { PeerInit, PeerLog } from './types.js'

/** `PeerInit` after defaults are applied and every value is checked. */
export interface PeerOptions {
  dataDir?: string
  listen: string[]
  bootstrap: Multiaddr[]
  maxFrameBytes: number
  requestTimeoutMs: number
  redialIntervalMs: number
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
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    redialIntervalMs: DEFAULT_REDIAL_INTERVAL_MS,
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

  return {
    dataDir: merged.dataDir,
    listen,
    bootstrap,
    maxFrameBytes: positiveInteger(merged.maxFrameBytes, 'maxFrameBytes', MAX_FRAME_BYTES_LIMIT),
    requestTimeoutMs: positiveInteger(merged.requestTimeoutMs, 'requestTimeoutMs'),
    redialIntervalMs: positiveInteger(merged.redialIntervalMs, 'redialIntervalMs'),
    log: merged.log
  }
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
