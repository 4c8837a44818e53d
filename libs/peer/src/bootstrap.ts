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

/** A bootstrap peer and when to dial it next. */
interface Target {
  addr: Multiaddr
  peerId: PeerId
  key: string
  /** Failed dials in a row. */
  failures: number
  /** Not before this (ms since the epoch). */
  nextDialAt: number
  dialling: boolean
}

/**
 * Keeps us connected to the bootstrap peers: tags them keep-alive (so the connection manager never
 * prunes them and reconnects after a drop), dials them on start, and redials while disconnected:
 * soon after a drop or a failed dial (a busy peer may refuse a connection, as libp2p does when one
 * host opens too many a second), then backing off, with jitter so that many workers refused
 * together do not come back together, to every `redialIntervalMs`. libp2p's own reconnect gives up
 * after a few retries; a worker must find its coordinator again however long it was down.
 */
export function bootstrapDialer (init: BootstrapInit, components: BootstrapComponents): BootstrapDialer {
  const { node, log } = components
  const targets: Target[] = init.addrs
    .map(addr => ({ addr, peerId: peerIdFromString(peerIdOf(addr) ?? ''), key: addr.toString(), failures: 0, nextDialAt: 0, dialling: false }))
    .filter(({ peerId }) => !peerId.equals(node.peerId))
  const tickMs = Math.min(FIRST_REDIAL_MS, init.redialIntervalMs)
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const dialMissing = (): void => {
    const now = Date.now()
    for (const target of targets) {
      if (stopped || target.dialling || target.nextDialAt > now || node.getConnections(target.peerId).length > 0) continue
      target.dialling = true
      node.dial(target.addr)
        .then(() => {
          target.failures = 0
          target.nextDialAt = 0
          log('info', `connected to bootstrap peer ${target.key}`)
        }, (err: Error) => {
          target.failures++
          const backoff = Math.min(init.redialIntervalMs, FIRST_REDIAL_MS * 2 ** Math.min(target.failures - 1, 30))
          target.nextDialAt = Date.now() + backoff * (0.5 + Math.random() / 2)
          log('debug', `bootstrap peer ${target.key} unreachable: ${err.message}`, err)
        })
        .finally(() => { target.dialling = false })
    }
  }

  return {
    async start () {
      stopped = false
      for (const { addr, peerId } of targets) {
        await node.peerStore.merge(peerId, { multiaddrs: [addr], tags: { [KEEP_ALIVE]: { value: 1 } } })
      }
      dialMissing()
      timer = setInterval(dialMissing, tickMs)
      timer.unref()
    },
    stop () {
      stopped = true
      clearInterval(timer)
    }
  }
}
