import { KEEP_ALIVE, type Libp2p } from '@libp2p/interface'
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

/**
 * Keeps us connected to the bootstrap peers: tags them keep-alive (so the connection manager never
 * prunes them and reconnects after a drop), dials them on start, and redials every
 * `redialIntervalMs` while disconnected. libp2p's own reconnect gives up after a few retries; a
 * worker must find its coordinator again however long the coordinator was down.
 */
export function bootstrapDialer (init: BootstrapInit, components: BootstrapComponents): BootstrapDialer {
  const { node, log } = components
  const targets = init.addrs
    .map(addr => ({ addr, peerId: peerIdFromString(peerIdOf(addr) ?? '') }))
    .filter(({ peerId }) => !peerId.equals(node.peerId))
  const dialling = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const dialMissing = (): void => {
    for (const { addr, peerId } of targets) {
      const key = addr.toString()
      if (stopped || dialling.has(key) || node.getConnections(peerId).length > 0) {
        continue
      }
      dialling.add(key)
      node.dial(addr)
        .then(() => { log('info', `connected to bootstrap peer ${key}`) })
        .catch((err: Error) => { log('debug', `bootstrap peer ${key} unreachable: ${err.message}`, err) })
        .finally(() => { dialling.delete(key) })
    }
  }

  return {
    async start () {
      stopped = false
      for (const { addr, peerId } of targets) {
        await node.peerStore.merge(peerId, { multiaddrs: [addr], tags: { [KEEP_ALIVE]: { value: 1 } } })
      }
      dialMissing()
      timer = setInterval(dialMissing, init.redialIntervalMs)
      timer.unref()
    },
    stop () {
      stopped = true
      clearInterval(timer)
    }
  }
}
