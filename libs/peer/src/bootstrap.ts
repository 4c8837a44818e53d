import { KEEP_ALIVE, type Libp2p, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdOf } from './options.js'
import type { PeerLog } from './types.js'

export interface BootstrapInit {
  addrs: Multiaddr[]
  redialIntervalMs: number
}

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
  /** Failed dials in a row. */
  failures: number
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
    .map(addr => ({ addr, peerId: peerIdFromString(peerIdOf(addr) ?? ''), key: addr.toString(), failures: 0, dialling: false }))
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
        target.failures = 0
        log('info', `connected to bootstrap peer ${target.key}`)
      }, (err: Error) => {
        target.failures++
        log('debug', `bootstrap peer ${target.key} unreachable: ${err.message}`, err)
        later(target, Math.min(init.redialIntervalMs, FIRST_REDIAL_MS * 2 ** Math.min(target.failures - 1, 30)))
      })
      .finally(() => { target.dialling = false })
  }
  /** Dials `target` in about `ms` (jittered down to half), unless a dial is due sooner. */
  const later = (target: Target, ms: number): void => {
    if (stopped || target.timer !== undefined) return
    target.timer = setTimeout(() => { dial(target) }, ms * (0.5 + Math.random() / 2))
    target.timer.unref()
  }
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    for (const target of targets) if (target.peerId.equals(evt.detail)) later(target, FIRST_REDIAL_MS)
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
