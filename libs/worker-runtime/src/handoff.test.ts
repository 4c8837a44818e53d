/**
 * Handing leases between workers, over peers faked in this process: their calls go to each
 * other's served handlers, or to a coordinator faked by the test, and their pulls to each other's
 * subscriptions. Their keys are real, so transfers are really signed and checked. Each task run
 * waits until the test finishes it.
 */
import {
  createPeer, createResponder, verifySignature,
  type CallOptions, type FrameHandler, type Peer, type PeerEventName, type RpcCalls, type RpcHandlers, type RpcProtocol, type ServeOptions, type TopicHandler
} from '@cycleshare/peer'
import {
  PROTOCOL_HANDOFF, PROTOCOL_WORKER, TOPIC_PULL, decode, encode, handoffRpc, msg, transferStatement,
  type Lease, type Message, type OfferMessage, type TakenMessage, type Transfer, type TransferMessage
} from '@cycleshare/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWorkerRuntime } from './runtime.js'
import { manualIdle, manualPool, recordingLog } from './testing/fakes.js'
import type { WorkerRuntime } from './types.js'
import type { WorkerRuntimeInit } from './options.js'

/** The coordinator (accumulation point) every worker here works for. */
const C = '12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'
/** One they do not. */
const X = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

// Chunks of 50 ms or more (the first guess) run one at a time.
const lease = (leaseId: string, index = 0): Lease =>
  ({ leaseId, jobId: 'j', index, attempt: 1, epoch: 1, task: 'primes', input: { from: index, to: index + 1 }, ttlMs: 30_000 })
const pull = (slots: number, tasks = ['primes']): Uint8Array => encode(msg.pull({ slots, tasks, capacity: { threads: 1 } }))

interface Sent { from: string, to: string, message: Message }
/** C answering `from`'s `m`; `issued` holds the leases C assigned, by id, as they are now. */
type Coordinator = (from: string, m: Message, issued: Map<string, Lease>) => Message | Promise<Message>

/**
 * Answers what a coordinator is asked, moving a lease it issued when the transfer is signed and
 * presented by its giver or taker, and answering it whole: raised epoch, the checkpoint sent along.
 */
const honestCoordinator: Coordinator = async (from, m, issued) => {
  switch (m.kind) {
    case 'report': return msg.reported(m.results.map(r => r.leaseId), [])
    case 'renew': return msg.renewed(m.leaseIds, 30_000, [])
    case 'release': return msg.released(m.leaseIds)
    case 'transfer': {
      const moved: Lease[] = []
      const refused: Array<{ leaseId: string, reason: string }> = []
      for (const t of m.transfers) {
        const held = issued.get(t.leaseId)
        if (held?.epoch === t.epoch && (from === t.from || from === t.to) && await verifySignature(t.from, transferStatement(C, t), t.signature)) {
          const state = m.checkpoints?.find(c => c.leaseId === t.leaseId)?.state
          const now = state === undefined ? { ...held, epoch: t.epoch + 1 } : { ...held, epoch: t.epoch + 1, resume: state }
          issued.set(t.leaseId, now)
          moved.push(now)
        } else {
          refused.push({ leaseId: t.leaseId, reason: 'bad signature' })
        }
      }
      return msg.transferred(moved, refused)
    }
    default: throw new Error(`unexpected ${m.kind}`)
  }
}

/** Rejects with the peer's words once `signal` aborts, unless `answer` comes first. */
async function abortable<T> (answer: Promise<T>, protocol: string, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return await answer
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(new Error(`${protocol} request aborted`)) }
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    answer.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

/** Peers all connected to each other (a new one connects to all before it) and to C; C is `coordinator`. */
function fakeNetwork (coordinator: Coordinator = honestCoordinator) {
  const sent: Sent[] = []
  const pulls: string[] = []
  const issued = new Map<string, Lease>()
  const served = new Map<string, Map<string, FrameHandler>>()
  const subscribed = new Map<string, Map<string, TopicHandler>>()
  const connectListeners = new Map<string, Set<(peerId: string) => void>>()
  const node = (): Peer => {
    const key = createPeer({ listen: [] })
    const self = key.peerId
    for (const listeners of connectListeners.values()) for (const l of listeners) l(self)
    served.set(self, new Map())
    subscribed.set(self, new Map())
    connectListeners.set(self, new Set())
    const peer = {
      peerId: self,
      sign: async (data: Uint8Array) => await key.sign(data),
      multiaddrs: () => [`/ip4/127.0.0.1/tcp/4002/p2p/${self}`],
      serve: async <Calls extends RpcCalls>(rpc: RpcProtocol<Calls>, handlers: RpcHandlers<Calls>, options?: ServeOptions) => {
        served.get(self)?.set(rpc.protocol, createResponder(rpc, handlers, options))
      },
      subscribe: (topic: string, handler: TopicHandler) => {
        subscribed.get(self)?.set(topic, handler)
        return () => { subscribed.get(self)?.delete(topic) }
      },
      publish: async (topic: string, data: Uint8Array) => {
        if (topic === TOPIC_PULL) pulls.push(self)
        for (const [peerId, topics] of subscribed) if (peerId !== self) topics.get(topic)?.(data, self)
      },
      topicPeers: () => [C, ...[...served.keys()].filter(id => id !== self)],
      connectedPeers: () => [C, ...[...served.keys()].filter(id => id !== self)],
      on: (event: PeerEventName, listener: (peerId: string) => void) => {
        if (event !== 'peer:connect') return () => {}
        connectListeners.get(self)?.add(listener)
        return () => { connectListeners.get(self)?.delete(listener) }
      },
      call: async <Calls extends RpcCalls>(to: string, rpc: RpcProtocol<Calls>, request: { kind: string }, options?: CallOptions) => {
        const call = rpc.calls[request.kind]
        const bytes = call.encodeRequest(request)
        const message = decode(bytes)
        sent.push({ from: self, to, message })
        const handler = served.get(to)?.get(rpc.protocol)
        const answer = to === C
          ? Promise.resolve(coordinator(self, message, issued)).then(encode)
          : handler === undefined ? Promise.reject(new Error(`no route to ${to}`)) : Promise.resolve(handler(bytes, self))
        return call.decodeAnswer(await abortable(answer, rpc.protocol, options?.signal))
      }
    }
    return peer as unknown as Peer
  }
  return {
    sent,
    /** Who published each pull, in order. */
    pulls,
    node,
    /** `from` asks `to` on `protocol`; resolves with the answer. */
    ask: async (from: string, to: string, protocol: string, m: Message): Promise<Message> => {
      const handler = served.get(to)?.get(protocol)
      if (handler === undefined) throw new Error(`${to} serves no ${protocol}`)
      if (from === C && m.kind === 'assign') for (const l of m.leases) issued.set(l.leaseId, l)
      return decode(await handler(encode(m), from))
    },
    kind: <K extends Message['kind']>(kind: K): Array<Sent & { message: Extract<Message, { kind: K }> }> =>
      sent.filter((s): s is Sent & { message: Extract<Message, { kind: K }> } => s.message.kind === kind)
  }
}

type Network = ReturnType<typeof fakeNetwork>
const running: WorkerRuntime[] = []

/** A started worker on `net` working for C: one thread, capacity 1 + 4 = 5 while no pace is known. */
async function worker (net: Network, init: WorkerRuntimeInit = {}) {
  const peer = net.node()
  const pool = manualPool(1)
  const idle = manualIdle()
  const log = recordingLog()
  const runtime = createWorkerRuntime({ peer, pool, idle, log }, { accumulationPoints: [C], prefetch: 4, ...init })
  await runtime.start()
  running.push(runtime)
  return { runtime, peerId: peer.peerId, pool, idle, log }
}

/** `giver` signs `leases` over to `to`, one transfer each (with `signer`'s key, if another's). */
async function signOver (giver: Peer, to: string, leases: Lease[], signer = giver): Promise<Transfer[]> {
  return await Promise.all(leases.map(async ({ leaseId, epoch }) => {
    const t = { leaseId, epoch, from: giver.peerId, to }
    return { ...t, signature: await signer.sign(transferStatement(C, t)) }
  }))
}

/** A peer that pulled, answering offers with `answer`; its offers are recorded. */
async function hungryPeer (net: Network, slots: number, answer: (offer: OfferMessage) => TakenMessage | Promise<TakenMessage>) {
  const peer = net.node()
  const offers: OfferMessage[] = []
  await peer.serve(handoffRpc, { offer: async (offer) => { offers.push(offer); return await answer(offer) } })
  await peer.publish(TOPIC_PULL, pull(slots))
  return { peerId: peer.peerId, offers }
}

const checkpoint = { last: 9, count: 3 }

/** `w` holds `leases` from C: the first running (with `checkpoint` taken), the rest queued. */
async function holding (net: Network, w: Awaited<ReturnType<typeof worker>>, leases: Lease[]): Promise<void> {
  await net.ask(C, w.peerId, PROTOCOL_WORKER, msg.assign(leases))
  await vi.waitFor(() => { expect(w.pool.runs).toHaveLength(1) })
  w.pool.runs[0].checkpoint(checkpoint)
}

afterEach(async () => {
  await Promise.all(running.splice(0).map(async r => { await r.stop() }))
})

describe('taking leases a peer hands off', () => {
  it('takes as many as it has room for: presents those really signed over to it, takes exactly the ones moved and runs them as the coordinator answers them', async () => {
    // The coordinator's g1: its real input, and the state it kept from the offer's resume.
    const g1 = { ...lease('g1', 10), epoch: 2, resume: { last: 10, count: 4 } }
    const net = fakeNetwork(async (from, m, issued) => m.kind === 'transfer'
      ? msg.transferred([g1], [{ leaseId: 'g4', reason: 'lease g4 is not held by the giver' }])
      : await honestCoordinator(from, m, issued))
    const taker = await worker(net)
    const giver = net.node()
    const forger = net.node()
    await net.ask(C, taker.peerId, PROTOCOL_WORKER, msg.assign([lease('a1', 1), lease('a2', 2)])) // room left: 3
    const offered = [
      // The giver describes g1 as a far bigger chunk than it is: not what the taker runs.
      { ...lease('g1', 10), input: { from: 0, to: 1e12 }, resume: { last: 10, count: 4 } },
      { ...lease('g2', 11), task: 'no-such-task' },
      lease('g3', 12),
      lease('g4', 13),
      lease('g5', 14)
    ]
    const transfers = [
      ...await signOver(giver, taker.peerId, offered.slice(0, 2)),
      ...await signOver(giver, taker.peerId, [offered[2]], forger),
      ...await signOver(giver, taker.peerId, offered.slice(3))
    ]
    const answer = await net.ask(giver.peerId, taker.peerId, PROTOCOL_HANDOFF, msg.offer(C, offered, transfers))
    expect(answer).toEqual(msg.taken(['g1'], ['g2', 'g3', 'g4', 'g5']))

    // g2 is a task it does not run, g3's signature is forged, g5 is past its room.
    const presented = net.kind('transfer')
    expect(presented.map(s => [s.from, s.to])).toEqual([[taker.peerId, C]])
    const { transfers: sentTransfers, checkpoints } = presented[0].message as TransferMessage
    expect(sentTransfers.map(t => [t.leaseId, t.epoch, t.from, t.to])).toEqual([['g1', 1, giver.peerId, taker.peerId], ['g4', 1, giver.peerId, taker.peerId]])
    expect(checkpoints).toEqual([{ leaseId: 'g1', state: { last: 10, count: 4 } }])
    expect(taker.runtime.held).toBe(3)
    expect(taker.log.lines).toContainEqual(['transfer refused', { leaseId: 'g4', reason: 'lease g4 is not held by the giver' }])
    expect(taker.log.lines).toContainEqual(['took leases', { from: giver.peerId, leases: 1 }])

    for (let i = 0; i < 2; i++) {
      await vi.waitFor(() => { expect(taker.pool.runs).toHaveLength(i + 1) })
      taker.pool.runs[i].finish()
    }
    await vi.waitFor(() => { expect(taker.pool.runs).toHaveLength(3) })
    expect(taker.pool.runs[2]).toMatchObject({ input: { from: 10, to: 11 }, resume: { last: 10, count: 4 } })
    taker.pool.runs[2].finish()
    await vi.waitFor(() => { expect(taker.runtime.held).toBe(0) })
    await taker.runtime.stop()
    expect(net.kind('report').flatMap(s => s.message.results.map(r => r.leaseId)).sort()).toEqual(['a1', 'a2', 'g1'])
  })

  it('refuses a whole offer for an accumulation point it does not work for, while paused and while the machine is busy, asking no one', async () => {
    const net = fakeNetwork()
    const taker = await worker(net)
    const giver = net.node()
    const offer = async (coordinator: string): Promise<Message> =>
      await net.ask(giver.peerId, taker.peerId, PROTOCOL_HANDOFF, msg.offer(coordinator, [lease('g1'), lease('g2')], await signOver(giver, taker.peerId, [lease('g1'), lease('g2')])))

    expect(await offer(X)).toEqual(msg.taken([], ['g1', 'g2']))
    await taker.runtime.pause()
    expect(await offer(C)).toEqual(msg.taken([], ['g1', 'g2']))
    taker.runtime.resume()
    taker.idle.flip({ idle: false, otherLoad: 80, onBattery: false, reason: 'the machine is busy' })
    expect(await offer(C)).toEqual(msg.taken([], ['g1', 'g2']))
    expect(net.kind('transfer')).toEqual([])
    expect(taker.runtime.held).toBe(0)
  })

  it('takes nothing when presenting the transfers fails', async () => {
    const net = fakeNetwork(async (from, m) => {
      if (m.kind === 'transfer') throw new Error('coordinator unreachable')
      return await honestCoordinator(from, m)
    })
    const taker = await worker(net)
    const giver = net.node()
    const answer = await net.ask(giver.peerId, taker.peerId, PROTOCOL_HANDOFF, msg.offer(C, [lease('g1')], await signOver(giver, taker.peerId, [lease('g1')])))
    expect(answer).toEqual(msg.taken([], ['g1']))
    expect(taker.runtime.held).toBe(0)
    expect(taker.log.lines).toContainEqual(['could not present transfers', { from: giver.peerId, coordinator: C, err: 'coordinator unreachable' }])
  })
})

describe('stepping back', () => {
  it('hands the running and queued leases to the hungriest peers, signed over to each, and gives back with its checkpoint what they do not take', async () => {
    const net = fakeNetwork()
    const giver = await worker(net)
    // H2 has the most free slots: it is offered first, as many as it has.
    const h1 = await hungryPeer(net, 1, (o) => msg.taken(o.leases.map(l => l.leaseId), []))
    const h2 = await hungryPeer(net, 2, (o) => msg.taken(['a2', 'not-offered'], ['a1']))
    await holding(net, giver, [lease('a1', 1), lease('a2', 2), lease('a3', 3)])
    const pullsBefore = net.pulls.filter(id => id === giver.peerId).length

    await giver.runtime.pause()
    expect(giver.runtime.paused).toBe(true)
    expect(giver.pool.runs[0].aborted).toBe(true)
    expect(giver.runtime.held).toBe(0)
    expect(h2.offers.map(o => [o.coordinator, o.leases])).toEqual([[C, [{ ...lease('a1', 1), resume: checkpoint }, lease('a2', 2)]]])
    expect(h1.offers.map(o => [o.coordinator, o.leases])).toEqual([[C, [lease('a3', 3)]]])
    for (const [to, offer] of [[h2.peerId, h2.offers[0]], [h1.peerId, h1.offers[0]]] as const) {
      expect(offer.transfers.map(t => [t.leaseId, t.epoch, t.from, t.to])).toEqual(offer.leases.map(l => [l.leaseId, 1, giver.peerId, to]))
      for (const t of offer.transfers) expect(await verifySignature(giver.peerId, transferStatement(C, t), t.signature)).toBe(true)
    }
    expect(net.kind('release').map(s => [s.to, s.message])).toEqual([[C, msg.release(['a1'], [{ leaseId: 'a1', state: checkpoint }])]])
    expect(giver.log.lines.filter(([m]) => ['paused', 'handed off', 'stepped back'].includes(m))).toEqual([
      ['paused', {}],
      ['handed off', { to: h2.peerId, leases: 1, coordinator: C }],
      ['handed off', { to: h1.peerId, leases: 1, coordinator: C }],
      ['stepped back', { reason: 'paused', handedOff: 2, released: 1 }]
    ])

    // Paused: no pulls, no leases. Resumed: pulls again.
    expect(net.pulls.filter(id => id === giver.peerId)).toHaveLength(pullsBefore)
    expect(await net.ask(C, giver.peerId, PROTOCOL_WORKER, msg.assign([lease('a4')]))).toMatchObject({ accepted: [], refused: ['a4'] })
    giver.runtime.resume()
    expect(giver.runtime.paused).toBe(false)
    expect(giver.log.lines).toContainEqual(['resumed', {}])
    expect(net.pulls.filter(id => id === giver.peerId)).toHaveLength(pullsBefore + 1)
  })

  it('offers what one peer refuses to the next with room (the first may hold another copy of the chunk), within the one timeout', async () => {
    const net = fakeNetwork()
    const giver = await worker(net)
    const refusing = await hungryPeer(net, 3, (o) => msg.taken([], o.leases.map(l => l.leaseId)))
    const taking = await hungryPeer(net, 2, (o) => msg.taken(o.leases.map(l => l.leaseId), []))
    await holding(net, giver, [lease('a1', 1), lease('a2', 2)])
    await giver.runtime.pause()
    const leases = [{ ...lease('a1', 1), resume: checkpoint }, lease('a2', 2)]
    expect(refusing.offers.map(o => o.leases)).toEqual([leases])
    expect(taking.offers.map(o => o.leases)).toEqual([leases])
    expect(net.kind('release')).toEqual([])
    expect(giver.log.lines.filter(([m]) => ['offer refused', 'handed off', 'stepped back'].includes(m))).toEqual([
      ['offer refused', { to: refusing.peerId, leases: 2, coordinator: C }],
      ['handed off', { to: taking.peerId, leases: 2, coordinator: C }],
      ['stepped back', { reason: 'paused', handedOff: 2, released: 0 }]
    ])
  })

  it('gives everything back with its checkpoints when the machine turns busy and no peer is hungry for its tasks', async () => {
    const net = fakeNetwork()
    const giver = await worker(net)
    const other = net.node()
    await other.publish(TOPIC_PULL, pull(4, ['pi']))
    await holding(net, giver, [lease('a1', 1), lease('a2', 2)])
    giver.idle.flip({ idle: false, otherLoad: 80, onBattery: false, reason: 'the machine is busy' })
    await vi.waitFor(() => { expect(giver.log.lines).toContainEqual(['stepped back', { reason: 'busy', handedOff: 0, released: 2 }]) })
    expect(net.kind('offer')).toEqual([])
    expect(net.kind('release').map(s => s.message)).toEqual([msg.release(['a1', 'a2'], [{ leaseId: 'a1', state: checkpoint }])])
    expect(giver.pool.runs[0].aborted).toBe(true)
    expect(giver.runtime.held).toBe(0)
  })

  it('on stop, gives back what an offer unanswered within the timeout did not take', async () => {
    const net = fakeNetwork()
    const giver = await worker(net, { handoffTimeoutMs: 50 })
    const silent = await hungryPeer(net, 5, async () => await new Promise<TakenMessage>(() => {}))
    await holding(net, giver, [lease('a1', 1), lease('a2', 2)])
    await giver.runtime.stop()
    expect(silent.offers.map(o => o.leases.map(l => l.leaseId))).toEqual([['a1', 'a2']])
    expect(net.kind('release').map(s => s.message)).toEqual([msg.release(['a1', 'a2'], [{ leaseId: 'a1', state: checkpoint }])])
    expect(giver.log.lines).toContainEqual(['could not offer leases', { to: silent.peerId, leases: 2, coordinator: C, err: `${PROTOCOL_HANDOFF} request aborted` }])
    expect(giver.log.lines).toContainEqual(['worker stopped', { handedOff: 0, released: 2, unreported: 0, chunksDone: 0 }])
  })

  it('a paused worker\'s running chunk goes on at an idle peer from its checkpoint, the coordinator moving it there', async () => {
    const net = fakeNetwork()
    const giver = await worker(net)
    const taker = await worker(net) // pulls as it starts: the giver hears it
    await holding(net, giver, [lease('a1', 1)])
    await giver.runtime.pause()
    expect(giver.log.lines).toContainEqual(['handed off', { to: taker.peerId, leases: 1, coordinator: C }])
    expect(taker.log.lines).toContainEqual(['took leases', { from: giver.peerId, leases: 1 }])
    expect(net.kind('transfer').map(s => s.from)).toEqual([taker.peerId])
    expect(net.kind('release')).toEqual([])
    await vi.waitFor(() => { expect(taker.pool.runs).toHaveLength(1) })
    expect(taker.pool.runs[0]).toMatchObject({ input: { from: 1, to: 2 }, resume: checkpoint })

    // Held at epoch 2 now: paused in turn, it signs it over at that epoch (to the hungriest peer:
    // the giver pulled for 4 slots when it had taken a1).
    const third = await hungryPeer(net, 5, (o) => msg.taken([], o.leases.map(l => l.leaseId)))
    await taker.runtime.pause()
    expect(third.offers.map(o => o.transfers.map(t => [t.leaseId, t.epoch, t.from]))).toEqual([[['a1', 2, taker.peerId]]])
  })
})
