import type { Startable } from '@cycleshare/lifecycle'
import type { RpcAnswer, RpcCalls, RpcHandlers, RpcProtocol, RpcRequest, ServeOptions } from './rpc.js'

export type PeerLogLevel = 'debug' | 'info' | 'warn' | 'error'

/**
 * Where the peer reports what it survived (bad frames, failing handlers, redial failures).
 * Without one, messages go to libp2p's debug logger under `cycleshare:peer` (enable with
 * `DEBUG=cycleshare:peer*`).
 */
export type PeerLog = (level: PeerLogLevel, message: string, error?: unknown) => void

export interface PeerInit {
  /**
   * Directory holding the identity key (`<dataDir>/peer-key`, Ed25519 protobuf, mode 0600), created
   * if missing, so the peer id survives restarts. Without it the identity is ephemeral.
   */
  dataDir?: string
  /** Multiaddrs to listen on. @defaultValue `['/ip4/0.0.0.0/tcp/0']` */
  listen?: string[]
  /** Multiaddrs with `/p2p/<id>`, dialled on start and redialled while disconnected. @defaultValue `[]` */
  bootstrap?: string[]
  /** What the bootstrap peers are to this one, for its log ("cannot reach coordinator …"). @defaultValue `'bootstrap peer'` */
  bootstrapRole?: string
  /** Largest request/response frame body, in bytes. @defaultValue 16 MiB */
  maxFrameBytes?: number
  /** Deadline for a whole `call`, and idle limit for a served stream. @defaultValue `30_000` */
  requestTimeoutMs?: number
  /**
   * The longest wait between dials of a disconnected bootstrap peer: after a drop or a failed dial
   * it is redialled within 250 ms, the wait doubling with each failure up to this. @defaultValue `5_000`
   */
  redialIntervalMs?: number
  /**
   * Bytes of request frames one peer may have this node hold at once, over all its inbound
   * streams of every served protocol: arrived and not yet answered (partly received frames
   * included). The stream whose bytes would take a peer over it is reset and logged; the peer's
   * other streams and other peers go on. At least one frame of `maxFrameBytes` with its prefix.
   * @defaultValue four frames of `maxFrameBytes` with their prefixes (64 MiB + 16 bytes)
   */
  maxInboundBytesPerPeer?: number
  /**
   * New inbound connections one host (IP address) may open a second; more are refused (the
   * dialler tries again). Workers on one machine or behind one NAT share a host.
   * @defaultValue `50`
   */
  inboundConnectionsPerHost?: number
  /**
   * Gossip topics this node judges: each gets peer scoring (constants.ts explains the weights)
   * and, if given, a validator and a rate. Topics not named here are neither scored nor checked.
   * @defaultValue `{}`
   */
  gossipTopics?: Record<string, GossipTopicInit>
  /**
   * A private network's 32-byte key (a group's, from `groupNetworkKey`): every connection is
   * encrypted with it first, so only peers holding it can connect at all. @defaultValue none
   */
  privateNetwork?: Uint8Array
  /**
   * Find peers on the local network by mDNS under this service tag, and dial them. Multicast
   * goes out on every interface: use it only where that is wanted. @defaultValue none
   */
  mdns?: { serviceTag: string, intervalMs?: number }
  /**
   * Deliver what this peer publishes to its own subscribers too, as if from another peer: for a
   * process that is both a worker and an accumulation point on one peer. @defaultValue false
   */
  hearsItself?: boolean
  /** Log hook; see {@link PeerLog}. */
  log?: PeerLog
}

/**
 * What to do with a gossip message: `accept` delivers and forwards it; `ignore` drops it;
 * `reject` drops it and counts against the peer that sent it to us (its gossip score falls, and
 * enough rejections graylist it).
 */
export type GossipVerdict = 'accept' | 'ignore' | 'reject'

/**
 * Judges a gossip message before it is delivered to handlers or forwarded. `from` signed it;
 * `via` is the connected peer that sent it to us (the same peer unless it was relayed). It runs
 * on every message of its topic, so it should be quick; a validator that throws rejects.
 */
export type GossipValidator = (data: Uint8Array, from: string, via: string) => GossipVerdict

export interface GossipTopicInit {
  /** Judges each message; without one, every well-signed message is accepted. */
  validate?: GossipValidator
  /**
   * Messages per second one connected peer may send us on this topic (a token bucket holding one
   * second's worth); messages over it are rejected before `validate` runs.
   * @defaultValue unlimited
   */
  maxMessagesPerSecond?: number
}

/** What this node holds for the requests of peers on its served streams; see `maxInboundBytesPerPeer`. */
export interface InboundUsage {
  /** Bytes held over all peers. */
  bytes: number
  /** Served streams open, over all peers. */
  streams: number
  /** Each peer with a served stream open or bytes held. */
  peers: Array<{ peerId: string, bytes: number, streams: number }>
}

export type TopicHandler = (data: Uint8Array, from: string) => void

/** Answers one request frame with one answer frame; what `serve` builds from a protocol's handlers. */
export type FrameHandler = (request: Uint8Array, from: string) => Promise<Uint8Array> | Uint8Array

export interface CallOptions {
  /** Aborting rejects the call with RequestAbortedError (and ends the channel it was on). */
  signal?: AbortSignal
}

/**
 * `peer:over-budget`: one of the peer's served streams was reset because its unanswered request
 * bytes went over `maxInboundBytesPerPeer`.
 */
export type PeerEventName = 'peer:connect' | 'peer:disconnect' | 'subscription-change' | 'peer:over-budget'

/**
 * A libp2p node: gossip, and typed calls over request streams (`call` is the one client path,
 * `serve` the one server path). Nothing touches the network before `start`.
 */
export interface Peer extends Startable {
  start(): Promise<void>
  stop(): Promise<void>
  /** This node's peer id. Valid from construction: the key is loaded or created synchronously. */
  readonly peerId: string
  /** Addresses others can dial, each ending in `/p2p/<peerId>`. Empty before start. */
  multiaddrs(): string[]
  /**
   * Signs `data` with this node's key (Ed25519): a statement any peer can check with
   * {@link verifySignature} against this node's peer id alone.
   */
  sign(data: Uint8Array): Promise<Uint8Array>
  /**
   * Receive gossip on `topic` (may be called before start). Handler errors are caught and logged.
   * Returns a function that removes this handler (and unsubscribes when it was the last one).
   */
  subscribe(topic: string, handler: TopicHandler): () => void
  /** Publish to `topic`. Never throws for lack of subscribers; the message then reaches nobody. */
  publish(topic: string, data: Uint8Array): Promise<void>
  /** Peers we know subscribe to `topic`. */
  topicPeers(topic: string): string[]
  /**
   * Sends `request` to `peer` (peer id or multiaddr) on `rpc`'s protocol and resolves with its
   * answer, decoded and checked by the call of the request's kind. Requests to a peer id share one
   * long-lived stream per (peer, protocol), pipelined. Rejects with what the call's
   * `encodeRequest`/`decodeAnswer` throw (an error answer included), or with one of this lib's
   * errors when the exchange fails (RequestTimeoutError after `requestTimeoutMs`,
   * StreamClosedError, ProtocolNotSupportedError, …).
   */
  call<Calls extends RpcCalls, const Request extends { kind: string }>(
    peer: string, rpc: RpcProtocol<Calls>, request: Request & RpcRequest<Calls[keyof Calls]>, options?: CallOptions
  ): Promise<RpcAnswer<Calls[Request['kind']]>>
  /**
   * Answers `rpc`'s requests with `handlers`, one per request kind (may be called before start;
   * registered on start; a later `serve` of the same protocol replaces it). A request that is
   * refused by `options.admit` or does not decode, and a handler that throws, are answered with
   * `rpc.encodeError(err)` and logged (or told to `options.onError`); the stream goes on. Throws
   * TypeError when a request kind of `rpc` has no handler.
   */
  serve<Calls extends RpcCalls>(rpc: RpcProtocol<Calls>, handlers: NoInfer<RpcHandlers<Calls>>, options?: ServeOptions): Promise<void>
  /** Connect to `addr` (multiaddr, or a peer id whose addresses we know); resolves with its peer id. */
  dial(addr: string): Promise<string>
  connectedPeers(): string[]
  /** Closes every connection to `peerId` (its streams are reset). Resolves once they are closed. */
  disconnect(peerId: string): Promise<void>
  /** The gossip score this node gives `peerId` (0 for a peer it knows nothing of); see GOSSIP_SCORE. */
  gossipScore(peerId: string): number
  /** The bytes and streams held for each peer's requests right now. */
  inboundUsage(): InboundUsage
  /** Listen for connection and subscription changes; the listener gets the remote peer id. Returns an unsubscribe function. */
  on(event: PeerEventName, listener: (peerId: string) => void): () => void
}
