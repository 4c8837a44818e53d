import { KEEP_ALIVE, type Libp2p, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdOf } from './options.js'
import type { PeerLog } from './types.js'

export interface BootstrapInit {
  addrs: Multiaddr[]
  redialIntervalMs: number
  /** What the bootstrap peers are to this peer, in its log ("coordinator"). */
  role: string
}

/** While a bootstrap peer stays unreachable, its failed dials are logged at most this often (the first at once). */
export const UNREACHABLE_LOG_EVERY_MS = 60_000

export interface BootstrapComponents {
  node: Libp2p
  log: PeerLog
}

export interface BootstrapDialer {
  start(): Promise<void>
  stop(): void
}

/** The first redial after a failed dial comes this soon; each failure in a row doubles it, up to `redialIntervalMs`. */
export const FIRST_REDIAL_MS = 250

/** A bootstrap peer and its dialling state. */
interface Target {
  addr: Multiaddr
  peerId: PeerId
  key: string
  /** Failed dials in a row, and when the first of them and the last one logged were. */
  failures: number
  failingSince: number
  loggedAt: number
  dialling: boolean
  /** The redial scheduled after a failure or a drop. */
  timer?: NodeJS.Timeout
}

/**
 * Keeps us connected to the bootstrap peers: tags them keep-alive (so the connection manager never
 * prunes them and reconnects after a drop), dials them on start, and redials while disconnected:
 * soon after a drop or a failed dial (a busy peer may refuse a connection, as libp2p does when one
 * host opens too many a second), then backing off, with jitter so that many workers refused
 * together do not come back together, to every `redialIntervalMs`. Nothing runs while connected
 * but a check every `redialIntervalMs`, in case a drop went unheard. libp2p's own reconnect gives
 * up after a few retries; a worker must find its coordinator again however long it was down.
 */
export function bootstrapDialer (init: BootstrapInit, components: BootstrapComponents): BootstrapDialer {
  const { node, log } = components
  const targets: Target[] = init.addrs
    .map(addr => ({ addr, peerId: peerIdFromString(peerIdOf(addr) ?? ''), key: addr.toString(), failures: 0, failingSince: 0, loggedAt: 0, dialling: false }))
    .filter(({ peerId }) => !peerId.equals(node.peerId))
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const dial = (target: Target): void => {
    clearTimeout(target.timer)
    target.timer = undefined
    if (stopped || target.dialling || node.getConnections(target.peerId).length > 0) return
    target.dialling = true
    node.dial(target.addr)
      .then(() => {
        const after = target.failures > 0 ? ` after ${target.failures} failed ${target.failures === 1 ? 'try' : 'tries'} over ${seconds(Date.now() - target.failingSince)}` : ''
        target.failures = 0
        log('info', `connected to ${init.role} ${target.key}${after}`)
      }, (err: Error) => {
        const now = Date.now()
        if (target.failures++ === 0) target.failingSince = now
        const next = later(target, Math.min(init.redialIntervalMs, FIRST_REDIAL_MS * 2 ** Math.min(target.failures - 1, 30)))
        // The first failure at once, then now and then: a volunteer must see why nothing happens,
        // without a line every few seconds for as long as the coordinator is down.
        if (target.failures === 1 || now - target.loggedAt >= UNREACHABLE_LOG_EVERY_MS) {
          target.loggedAt = now
          const tries = target.failures === 1 ? '' : ` (${target.failures} tries over ${seconds(now - target.failingSince)})`
          log('warn', `cannot reach ${init.role} ${target.key}: ${err.message}${tries}; ${next === undefined ? 'trying again soon' : `trying again in ${seconds(next)}`}`)
        } else {
          log('debug', `${init.role} ${target.key} unreachable: ${err.message}`, err)
        }
      })
      .finally(() => { target.dialling = false })
  }
  /** Dials `target` in about `ms` (jittered down to half), unless a dial is due sooner; returns the delay set, if one was. */
  const later = (target: Target, ms: number): number | undefined => {
    if (stopped || target.timer !== undefined) return undefined
    const delay = ms * (0.5 + Math.random() / 2)
    target.timer = setTimeout(() => { dial(target) }, delay)
    target.timer.unref()
    return delay
  }
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    for (const target of targets) {
      if (stopped || !target.peerId.equals(evt.detail)) continue
      const next = later(target, FIRST_REDIAL_MS)
      log('warn', `lost the connection to ${init.role} ${target.key}; ${next === undefined ? 'redialling soon' : `redialling in ${seconds(next)}`}`)
    }
  }

  return {
    async start () {
      stopped = false
      for (const { addr, peerId } of targets) {
        await node.peerStore.merge(peerId, { multiaddrs: [addr], tags: { [KEEP_ALIVE]: { value: 1 } } })
      }
      node.addEventListener('peer:disconnect', onDisconnect)
      for (const target of targets) dial(target)
      timer = setInterval(() => { for (const target of targets) if (target.timer === undefined) dial(target) }, init.redialIntervalMs)
      timer.unref()
    },
    stop () {
      stopped = true
      clearInterval(timer)
      node.removeEventListener('peer:disconnect', onDisconnect)
      for (const target of targets) clearTimeout(target.timer)
    }
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
