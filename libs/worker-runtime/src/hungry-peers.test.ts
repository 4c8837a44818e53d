import { TOPIC_PULL, encode, msg, type Message } from '@cycleshare/protocol'
import type { PeerEventName, TopicHandler } from '@cycleshare/peer'
import { describe, expect, it } from 'vitest'
import { createHungryPeers, type HungryPeersComponents } from './hungry-peers.js'
import type { Logger } from './logger.js'

const self = '12D3KooWCsb17z8AhM5QyxfaBy3hSRbe9KLoqcH3hJK1pHH3NUqE'
const W1 = '12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'
const W2 = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const W3 = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

const pull = (slots: number, tasks = ['primes']): Message => msg.pull({ slots, tasks, capacity: { threads: 2 } })

/** A peer connected to `connected` at first, whose gossip and events the test sends, and a clock it moves. */
function setup (connected: string[]) {
  const topics = new Map<string, TopicHandler>()
  const listeners = new Map<PeerEventName, Array<(peerId: string) => void>>()
  const lines: Array<[string, Record<string, unknown>]> = []
  const log: Logger = { debug: () => {}, info: () => {}, warn: (fields, message) => { lines.push([message, fields]) }, error: () => {} }
  const clock = { ms: 10_000 }
  const peer: HungryPeersComponents['peer'] = {
    peerId: self,
    connectedPeers: () => connected,
    subscribe: (topic, handler) => { topics.set(topic, handler); return () => { topics.delete(topic) } },
    on: (event, listener) => {
      listeners.set(event, [...(listeners.get(event) ?? []), listener])
      return () => { listeners.set(event, (listeners.get(event) ?? []).filter(l => l !== listener)) }
    }
  }
  const hungry = createHungryPeers({ peer, topic: TOPIC_PULL, log, now: () => clock.ms })
  return {
    hungry,
    clock,
    lines,
    gossip: (from: string, m: Message | Uint8Array) => { topics.get(TOPIC_PULL)?.(m instanceof Uint8Array ? m : encode(m), from) },
    emit: (event: PeerEventName, peerId: string) => { for (const l of listeners.get(event) ?? []) l(peerId) },
    listening: () => topics.has(TOPIC_PULL)
  }
}

describe('hungry peers', () => {
  it('keeps the peers that pulled lately, most free slots first, each as of its last pull', () => {
    const { hungry, clock, gossip } = setup([W1, W2, W3])
    hungry.start()
    gossip(W1, pull(2))
    clock.ms += 100
    gossip(W2, pull(5, ['pi']))
    clock.ms += 100
    gossip(W3, pull(2))
    expect(hungry.fresh()).toEqual([
      { peerId: W2, slots: 5, tasks: ['pi'], at: 10_100, addrs: [] },
      // equal slots: the latest heard first
      { peerId: W3, slots: 2, tasks: ['primes'], at: 10_200, addrs: [] },
      { peerId: W1, slots: 2, tasks: ['primes'], at: 10_000, addrs: [] }
    ])
    clock.ms += 100
    gossip(W1, pull(1))
    expect(hungry.fresh().map(h => [h.peerId, h.slots, h.at])).toEqual([[W2, 5, 10_100], [W3, 2, 10_200], [W1, 1, 10_300]])
  })

  it('forgets a peer 3 s after its last pull', () => {
    const { hungry, clock, gossip } = setup([W1, W2])
    hungry.start()
    gossip(W1, pull(2))
    clock.ms += 1_000
    gossip(W2, pull(3))
    clock.ms += 1_999
    expect(hungry.fresh().map(h => h.peerId)).toEqual([W2, W1])
    clock.ms += 1
    expect(hungry.fresh().map(h => h.peerId)).toEqual([W2])
    gossip(W1, pull(2)) // pulls again: fresh again
    clock.ms += 1_000
    expect(hungry.fresh().map(h => h.peerId)).toEqual([W1])
  })

  it('forgets a peer that disconnects, and ignores pulls from itself, from peers it is not connected to, and anything but pulls', () => {
    const { hungry, gossip, emit, lines } = setup([W1])
    hungry.start()
    gossip(W1, pull(2))
    gossip(self, pull(9))
    gossip(W2, pull(9)) // relayed: signed by a peer we have no connection to
    gossip(W1, new Uint8Array([0xde, 0xad]))
    gossip(W1, msg.work({ pending: 1, tasks: ['primes'] }))
    expect(hungry.fresh().map(h => [h.peerId, h.slots])).toEqual([[W1, 2]])
    expect(lines).toEqual([['dropped a bad gossip message', { from: W1, err: expect.any(String) }]])

    emit('peer:disconnect', W1)
    expect(hungry.fresh()).toEqual([])
    gossip(W1, pull(2)) // no connection now
    expect(hungry.fresh()).toEqual([])

    emit('peer:connect', W2)
    gossip(W2, pull(4))
    expect(hungry.fresh().map(h => [h.peerId, h.slots])).toEqual([[W2, 4]])
  })

  it('keeps a peer it is not connected to when its pull names where to dial it, and only addresses of its own', () => {
    const { hungry, gossip } = setup([])
    hungry.start()
    const own = `/ip4/127.0.0.1/tcp/4003/p2p/${W2}`
    gossip(W2, msg.pull({ slots: 3, tasks: ['primes'], capacity: { threads: 3 }, addrs: [`/ip4/127.0.0.1/tcp/4009/p2p/${W3}`, own] }))
    // addresses of someone else only: it could not be called back at them
    gossip(W1, msg.pull({ slots: 9, tasks: ['primes'], capacity: { threads: 9 }, addrs: [`/ip4/127.0.0.1/tcp/4009/p2p/${W3}`] }))
    expect(hungry.fresh()).toEqual([{ peerId: W2, slots: 3, tasks: ['primes'], at: 10_000, addrs: [own] }])
  })

  it('listens only between start and stop', () => {
    const { hungry, gossip, listening } = setup([W1])
    gossip(W1, pull(2))
    expect(listening()).toBe(false)
    hungry.start()
    expect(listening()).toBe(true)
    hungry.stop()
    expect(listening()).toBe(false)
    gossip(W1, pull(2))
    expect(hungry.fresh()).toEqual([])
  })

  it('remembers at most 256 peers, forgetting the longest silent first', () => {
    const many = Array.from({ length: 300 }, (_, i) => `peer-${i}`)
    const { hungry, clock, gossip } = setup(many)
    hungry.start()
    for (const peerId of many) {
      gossip(peerId, pull(1))
      clock.ms += 1
    }
    const fresh = hungry.fresh()
    expect(fresh).toHaveLength(256)
    expect(fresh[0].peerId).toBe('peer-299')
    expect(fresh[255].peerId).toBe('peer-44')
  })
})
