/**
 * The peers that want work right now: those whose `pull` this worker heard in the last few
 * seconds, with the free slots and tasks they named. A worker that must step back offers its
 * leases to them. A pull is gossip, a signal and not an identity: it counts when it is signed by a
 * peer this worker is connected to, or when it names addresses of its signer (`addrs`, each
 * ending in `/p2p/<signer>`) to be dialled at; a peer that disconnects is forgotten at once. A
 * hungry peer is only ever offered leases: everything it answers is checked.
 */
import type { Peer } from '@cycleshare/peer'
import { MessageKind, decodeGossip } from '@cycleshare/protocol'
import { HUNGRY_FRESH_MS, HUNGRY_MAX } from './constants.js'
import type { Logger } from './logger.js'

/** A peer that pulled lately. */
export interface HungryPeer {
  peerId: string
  /** The free slots its last pull named. */
  slots: number
  /** The tasks it can run. */
  tasks: string[]
  /** When its last pull was heard (`now()` time). */
  at: number
  /** Where it can be dialled (`/p2p/<peerId>` addresses from its pull); empty for a connected peer that named none. */
  addrs: string[]
}

export interface HungryPeersComponents {
  peer: Pick<Peer, 'peerId' | 'subscribe' | 'on' | 'connectedPeers'>
  /** The pull topic to listen on. */
  topic: string
  log: Logger
  /** Milliseconds on a monotonic clock. @defaultValue `performance.now` */
  now?: () => number
  /** Called with each pull that counts, once it is remembered. */
  heard?: (hungry: HungryPeer) => void
}

export interface HungryPeers {
  /** Listens for pulls and connections. */
  start(): void
  stop(): void
  /** The peers heard from in the last HUNGRY_FRESH_MS, most free slots first (of equal ones, the latest heard). */
  fresh(): HungryPeer[]
}

export function createHungryPeers (components: HungryPeersComponents): HungryPeers {
  return new PullListener(components)
}

class PullListener implements HungryPeers {
  /** By peer id, in the order last heard: the stale ones are always the first. */
  private readonly heard = new Map<string, HungryPeer>()
  private readonly connected = new Set<string>()
  private readonly now: () => number
  private readonly off: Array<() => void> = []

  constructor (private readonly components: HungryPeersComponents) {
    this.now = components.now ?? (() => performance.now())
  }

  start (): void {
    const { peer } = this.components
    this.off.push(
      peer.on('peer:connect', (peerId) => { this.connected.add(peerId) }),
      peer.on('peer:disconnect', (peerId) => {
        this.connected.delete(peerId)
        this.heard.delete(peerId)
      }),
      peer.subscribe(this.components.topic, (data, from) => { this.pulled(data, from) })
    )
    // Connections made before we listened announce themselves no more.
    for (const peerId of peer.connectedPeers()) this.connected.add(peerId)
  }

  stop (): void {
    for (const off of this.off.splice(0)) off()
  }

  fresh (): HungryPeer[] {
    this.forgetStale()
    return [...this.heard.values()].reverse().sort((a, b) => b.slots - a.slots)
  }

  private pulled (data: Uint8Array, from: string): void {
    if (from === this.components.peer.peerId) return
    let pull
    try {
      pull = decodeGossip(data)
    } catch (err) {
      this.components.log.warn({ from, err: (err as Error).message }, 'dropped a bad gossip message')
      return
    }
    if (pull.kind !== MessageKind.Pull) return
    // Only addresses that name the pull's signer: others would send our offers to someone else.
    const addrs = (pull.addrs ?? []).filter(a => a.endsWith(`/p2p/${from}`))
    if (!this.connected.has(from) && addrs.length === 0) return
    if (!this.heard.delete(from)) this.components.log.debug({ peerId: from, slots: pull.slots }, 'hungry peer')
    const hungry = { peerId: from, slots: pull.slots, tasks: pull.tasks, at: this.now(), addrs }
    this.heard.set(from, hungry)
    this.forgetStale()
    // Only so many peers are worth remembering: the longest silent go first.
    for (const peerId of this.heard.keys()) {
      if (this.heard.size <= HUNGRY_MAX) break
      this.heard.delete(peerId)
    }
    this.components.heard?.(hungry)
  }

  private forgetStale (): void {
    const now = this.now()
    for (const [peerId, hungry] of this.heard) {
      if (now - hungry.at < HUNGRY_FRESH_MS) break
      this.heard.delete(peerId)
    }
  }
}
