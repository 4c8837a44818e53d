import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { preSharedKey } from '@libp2p/pnet'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { isMultiaddr, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { bootstrapDialer, type BootstrapDialer } from './bootstrap.js'
import { InboundBudget } from './budget.js'
import {
  GOSSIP_ENVELOPE_BYTES, GOSSIP_HEARTBEAT_MS, GOSSIP_SCORE_THRESHOLDS, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS,
  MAX_PENDING_INBOUND_CONNECTIONS
} from './constants.js'
import { FrameTooLargeError, InvalidPeerAddressError, PeerNotServingError, PeerNotStartedError, RequestAbortedError } from './errors.js'
import { loadOrCreateIdentity } from './identity.js'
import { scoreParams, topicValidator } from './gossip-scoring.js'
import { peerOptions, type PeerOptions } from './options.js'
import { swarmKey } from './private-network.js'
import { reclaimer } from './reclaim.js'
import { Channel } from './channel.js'
import { sendRequest, serveStream, type ServeComponents } from './request-response.js'
import { callFor, rpcResponder, type RpcAnswer, type RpcCalls, type RpcHandlers, type RpcProtocol, type RpcRequest, type ServeOptions } from './rpc.js'
import type {
  CallOptions, FrameHandler, InboundUsage, Peer, PeerEventName, PeerInit, PeerLog, TopicHandler
} from './types.js'

type Node = Libp2p<{ pubsub: GossipSub }>

/**
 * Create a peer. The identity is loaded (or created) synchronously, so `peerId` is valid at once;
 * nothing touches the network until `start()`. Throws TypeError/RangeError for bad options and
 * InvalidIdentityError for an unreadable key file.
 */
export function createPeer (init?: PeerInit): Peer {
  return new CyclesharePeer(peerOptions(init))
}

class CyclesharePeer implements Peer {
  readonly peerId: string
  private readonly options: PeerOptions
  private readonly privateKey: PrivateKey
  private readonly log: PeerLog
  private readonly rr: ServeComponents
  private readonly topicHandlers = new Map<string, Set<TopicHandler>>()
  private readonly requestHandlers = new Map<string, FrameHandler>()
  private readonly listeners = new Map<PeerEventName, Set<(peerId: string) => void>>()
  private node?: Node
  private bootstrap?: BootstrapDialer
  /** Long-lived request streams by `<peer id> <protocol>`; see channel.ts. */
  private readonly channels = new Map<string, Promise<Channel>>()
  /** Collects what a burst of inbound bytes left behind, once it is over (reclaim.ts). */
  private readonly reclaim = reclaimer()

  constructor (options: PeerOptions) {
    this.options = options
    this.privateKey = loadOrCreateIdentity(options.dataDir)
    this.peerId = peerIdFromPrivateKey(this.privateKey).toString()
    this.log = options.log ?? debugLog()
    this.rr = {
      maxFrameBytes: options.maxFrameBytes,
      requestTimeoutMs: options.requestTimeoutMs,
      log: this.log,
      budget: new InboundBudget(options.maxInboundBytesPerPeer, () => { this.reclaim.request() }),
      overBudget: (peer) => { this.emit('peer:over-budget', peer) }
    }
  }

  async start (): Promise<void> {
    if (this.node !== undefined) {
      return
    }
    const node = await createLibp2p({
      start: false,
      privateKey: this.privateKey,
      addresses: { listen: this.options.listen },
      connectionManager: {
        inboundConnectionThreshold: this.options.inboundConnectionsPerHost,
        maxIncomingPendingConnections: MAX_PENDING_INBOUND_CONNECTIONS
      },
      transports: [tcp()],
      // A private network's key wraps every connection before Noise: without it, no handshake.
      ...(this.options.privateNetwork === undefined ? {} : { connectionProtector: preSharedKey({ psk: swarmKey(this.options.privateNetwork) }) }),
      peerDiscovery: this.options.mdns === undefined ? [] : [mdns({ serviceTag: this.options.mdns.serviceTag, interval: this.options.mdns.intervalMs })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: 'StrictSign',
          emitSelf: false,
          floodPublish: true,
          allowPublishToZeroTopicPeers: true,
          heartbeatInterval: GOSSIP_HEARTBEAT_MS,
          maxInboundDataLength: this.options.maxFrameBytes + GOSSIP_ENVELOPE_BYTES,
          scoreParams: scoreParams(this.options.gossipTopics.keys()),
          scoreThresholds: { ...GOSSIP_SCORE_THRESHOLDS }
        })
      }
    })
    node.addEventListener('peer:connect', evt => { this.emit('peer:connect', evt.detail.toString()) })
    node.addEventListener('peer:disconnect', evt => { this.emit('peer:disconnect', evt.detail.toString()) })
    // Peers found on the local network are dialled once each time they are heard of and not
    // connected; a peer outside the private network fails the handshake and is forgotten.
    node.addEventListener('peer:discovery', evt => {
      const found = evt.detail.id
      if (found.equals(node.peerId) || node.getConnections(found).length > 0) return
      node.dial(found).catch((err: Error) => { this.log('debug', `dialling ${found.toString()}, found by mDNS, failed: ${err.message}`) })
    })
    node.services.pubsub.addEventListener('subscription-change', evt => {
      this.emit('subscription-change', evt.detail.peerId.toString())
    })
    node.services.pubsub.addEventListener('message', evt => {
      const msg = evt.detail
      // StrictSign rejects unsigned messages before they get here; the check narrows the type.
      this.deliver(msg.topic, msg.data, msg.type === 'signed' ? msg.from.toString() : '')
    })
    for (const [topic, judge] of this.options.gossipTopics) {
      const validator = topicValidator(judge, this.log)
      if (validator !== undefined) node.services.pubsub.topicValidators.set(topic, validator)
    }
    for (const [protocol, handler] of this.requestHandlers) {
      await this.register(node, protocol, handler)
    }
    await node.start()
    this.node = node
    for (const topic of this.topicHandlers.keys()) {
      node.services.pubsub.subscribe(topic)
    }
    this.bootstrap = bootstrapDialer(
      { addrs: this.options.bootstrap, redialIntervalMs: this.options.redialIntervalMs, role: this.options.bootstrapRole },
      { node, log: this.log })
    await this.bootstrap.start()
  }

  async stop (): Promise<void> {
    const node = this.node
    if (node === undefined) {
      return
    }
    this.bootstrap?.stop()
    this.bootstrap = undefined
    this.reclaim.stop()
    this.node = undefined
    for (const opening of this.channels.values()) void opening.then(c => { c.close() }, () => {})
    this.channels.clear()
    await node.stop()
  }

  async sign (data: Uint8Array): Promise<Uint8Array> {
    return await this.privateKey.sign(data)
  }

  multiaddrs (): string[] {
    if (this.node === undefined) {
      return []
    }
    return this.node.getMultiaddrs().map(ma => ma.toString())
  }

  subscribe (topic: string, handler: TopicHandler): () => void {
    if (typeof topic !== 'string' || topic === '') {
      throw new TypeError('topic must be a non-empty string')
    }
    if (typeof handler !== 'function') {
      throw new TypeError('handler must be a function')
    }
    let handlers = this.topicHandlers.get(topic)
    if (handlers === undefined) {
      handlers = new Set()
      this.topicHandlers.set(topic, handlers)
      this.node?.services.pubsub.subscribe(topic)
    }
    handlers.add(handler)
    return () => {
      handlers.delete(handler)
      if (handlers.size === 0 && this.topicHandlers.get(topic) === handlers) {
        this.topicHandlers.delete(topic)
        this.node?.services.pubsub.unsubscribe(topic)
      }
    }
  }

  async publish (topic: string, data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError('data must be a Uint8Array')
    }
    if (data.byteLength > this.options.maxFrameBytes) {
      throw new FrameTooLargeError(`gossip message of ${data.byteLength} bytes exceeds maxFrameBytes (${this.options.maxFrameBytes})`)
    }
    await this.started().services.pubsub.publish(topic, data)
    // With `hearsItself`, delivered here too, as if from the network: a process that both pulls and
    // deals (a group member's worker and its own accumulation point) hears itself like any other peer.
    if (this.options.hearsItself && this.topicHandlers.has(topic)) setImmediate(() => { this.deliver(topic, data, this.peerId) })
  }

  topicPeers (topic: string): string[] {
    const peers = this.node?.services.pubsub.getSubscribers(topic).map(String) ?? []
    // A peer that hears itself is one of the topic's subscribers as soon as it listens there.
    if (this.options.hearsItself && this.node !== undefined && this.topicHandlers.has(topic)) peers.push(this.peerId)
    return peers
  }

  async call<Calls extends RpcCalls, const Request extends { kind: string }> (
    peer: string, rpc: RpcProtocol<Calls>, request: Request & RpcRequest<Calls[keyof Calls]>, options: CallOptions = {}
  ): Promise<RpcAnswer<Calls[Request['kind']]>> {
    const call = callFor(rpc, request)
    return call.decodeAnswer(await this.exchange(peer, rpc.protocol, call.encodeRequest(request), options)) as RpcAnswer<Calls[Request['kind']]>
  }

  async serve<Calls extends RpcCalls> (rpc: RpcProtocol<Calls>, handlers: RpcHandlers<Calls>, options: ServeOptions = {}): Promise<void> {
    const responder = rpcResponder(rpc, handlers, options, this.rr) // checks rpc and handlers first
    await this.handleFrames(rpc.protocol, responder)
  }

  /** Answers every frame on `protocol` with `handler`. */
  private async handleFrames (protocol: string, handler: FrameHandler): Promise<void> {
    if (typeof protocol !== 'string' || !protocol.startsWith('/')) {
      throw new TypeError(`protocol must be a string starting with "/", got ${JSON.stringify(protocol)}`)
    }
    if (typeof handler !== 'function') {
      throw new TypeError('handler must be a function')
    }
    this.requestHandlers.set(protocol, handler)
    if (this.node !== undefined) {
      await this.register(this.node, protocol, handler)
    }
  }

  /** Sends one frame to `peer` and resolves with the answer frame. */
  private async exchange (peer: string, protocol: string, data: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    const node = this.started()
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
    if (peer === this.peerId) {
      // A call to oneself (a group member's worker and its own accumulation point share a peer):
      // no connection, the same handler, the same encoding and checks as from any other peer.
      const handler = this.requestHandlers.get(protocol)
      if (handler === undefined) throw new PeerNotServingError(`this peer serves no ${protocol}`)
      if (options.signal?.aborted === true) throw new RequestAbortedError(`${protocol} request aborted`, { cause: options.signal.reason })
      return await handler(data, this.peerId)
    }
    // Channels are keyed by the peer id as given, so a request on an open one parses nothing.
    const key = `${peer} ${protocol}`
    if (!this.channels.has(key)) {
      const target = parseTarget(peer)
      // A multiaddr names a peer we may not be connected to yet: one stream for one request.
      if (!isPeerId(target)) return await sendRequest(node, target, protocol, data, options, this.rr)
    }
    if (data.byteLength > this.rr.maxFrameBytes) {
      throw new FrameTooLargeError(`request of ${data.byteLength} bytes exceeds maxFrameBytes (${this.rr.maxFrameBytes})`)
    }
    if (options.signal?.aborted === true) throw new RequestAbortedError(`${protocol} request aborted`, { cause: options.signal.reason })
    const channel = await this.channel(node, key, peer, protocol, options)
    return await channel.request(data, options)
  }

  /** The open channel to `peer` (a peer id) for `protocol`, opening one if there is none (only one at a time). */
  private async channel (node: Node, key: string, peer: string, protocol: string, options: CallOptions): Promise<Channel> {
    const existing = this.channels.get(key)
    if (existing !== undefined) {
      const channel = await existing
      if (channel.open) return channel
    }
    const signal = AbortSignal.any([AbortSignal.timeout(this.rr.requestTimeoutMs), ...(options.signal !== undefined ? [options.signal] : [])])
    const opening = Channel.open(node, peerIdFromString(peer), protocol, this.rr, () => {
      if (this.channels.get(key) === opening) this.channels.delete(key)
    }, signal)
    this.channels.set(key, opening)
    opening.catch(() => { if (this.channels.get(key) === opening) this.channels.delete(key) })
    try {
      return await opening
    } catch (err) {
      if (options.signal?.aborted === true) throw new RequestAbortedError(`${protocol} request aborted`, { cause: options.signal.reason })
      throw err
    }
  }

  async dial (addr: string): Promise<string> {
    const connection = await this.started().dial(parseTarget(addr))
    return connection.remotePeer.toString()
  }

  connectedPeers (): string[] {
    return this.node?.getPeers().map(String) ?? []
  }

  async disconnect (peerId: string): Promise<void> {
    const node = this.started()
    const target = parseTarget(peerId)
    if (!isPeerId(target)) throw new InvalidPeerAddressError(`disconnect takes a peer id, not a multiaddr: ${peerId}`)
    await node.hangUp(target)
  }

  gossipScore (peerId: string): number {
    // The service is gossipsub's class, which has `getScore`; the package types only its interface.
    const pubsub = this.node?.services.pubsub as (GossipSub & { getScore(peerId: string): number }) | undefined
    return pubsub?.getScore(peerId) ?? 0
  }

  inboundUsage (): InboundUsage {
    return this.rr.budget.usage()
  }

  on (event: PeerEventName, listener: (peerId: string) => void): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener)
    return () => { set.delete(listener) }
  }

  private async register (node: Node, protocol: string, handler: FrameHandler): Promise<void> {
    await node.handle(protocol, (stream, connection) => serveStream(stream, connection, handler, this.rr), {
      force: true,
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS
    })
  }

  private deliver (topic: string, data: Uint8Array, from: string): void {
    for (const handler of this.topicHandlers.get(topic) ?? []) {
      this.guard(`handler for topic ${topic}`, () => handler(data, from))
    }
  }

  private emit (event: PeerEventName, peerId: string): void {
    for (const listener of this.listeners.get(event) ?? []) {
      this.guard(`${event} listener`, () => listener(peerId))
    }
  }

  /** Run a caller's callback so that neither a throw nor a rejected promise escapes into libp2p. */
  private guard (what: string, callback: () => unknown): void {
    const report = (err: unknown): void => { this.log('error', `${what} failed: ${(err as Error)?.message ?? String(err)}`, err) }
    try {
      const result = callback()
      if (result instanceof Promise) {
        result.catch(report)
      }
    } catch (err) {
      report(err)
    }
  }

  private started (): Node {
    if (this.node === undefined) {
      throw new PeerNotStartedError()
    }
    return this.node
  }
}

/** A peer id, or a multiaddr (anything starting with "/"). */
function parseTarget (peer: string): PeerId | Multiaddr {
  if (typeof peer !== 'string' || peer === '') {
    throw new InvalidPeerAddressError('peer must be a non-empty peer id or multiaddr string')
  }
  try {
    return peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
  } catch (err) {
    throw new InvalidPeerAddressError(`not a valid peer id or multiaddr: ${JSON.stringify(peer)}`, { cause: err })
  }
}

function isPeerId (target: PeerId | Multiaddr): target is PeerId {
  return !isMultiaddr(target)
}

function debugLog (): PeerLog {
  const logger = defaultLogger().forComponent('cycleshare:peer')
  return (level, message, error) => {
    if (level === 'error' || level === 'warn') {
      logger.error('%s %s%s', level, message, error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '')
    } else {
      logger('%s %s', level, message)
    }
  }
}
