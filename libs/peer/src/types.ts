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
  /** Largest request/response frame body, in bytes. @defaultValue 16 MiB */
  maxFrameBytes?: number
  /** Deadline for a whole `request`, and idle limit for a served stream. @defaultValue `30_000` */
  requestTimeoutMs?: number
  /** How often disconnected bootstrap peers are redialled. @defaultValue `5_000` */
  redialIntervalMs?: number
  /** Log hook; see {@link PeerLog}. */
  log?: PeerLog
}

export type TopicHandler = (data: Uint8Array, from: string) => void

export type RequestHandler = (request: Uint8Array, from: string) => Promise<Uint8Array> | Uint8Array

export interface RequestOptions {
  signal?: AbortSignal
}

export type PeerEventName = 'peer:connect' | 'peer:disconnect' | 'subscription-change'

export interface Peer {
  start(): Promise<void>
  stop(): Promise<void>
  /** This node's peer id. Valid from construction: the key is loaded or created synchronously. */
  readonly peerId: string
  /** Addresses others can dial, each ending in `/p2p/<peerId>`. Empty before start. */
  multiaddrs(): string[]
  /**
   * Receive gossip on `topic` (may be called before start). Handler errors are caught and logged.
   * Returns a function that removes this handler (and unsubscribes when it was the last one).
   */
  subscribe(topic: string, handler: TopicHandler): () => void
  /** Publish to `topic`. Never throws for lack of subscribers; the message then reaches nobody. */
  publish(topic: string, data: Uint8Array): Promise<void>
  /** Peers we know subscribe to `topic`. */
  topicPeers(topic: string): string[]
  /** Answer requests on `protocol` (may be called before start; registered on start). */
  handle(protocol: string, handler: RequestHandler): Promise<void>
  /** Send one frame on a new stream to `peer` (peer id or multiaddr) and resolve with the answer frame. */
  request(peer: string, protocol: string, data: Uint8Array, options?: RequestOptions): Promise<Uint8Array>
  /** Connect to `addr` (multiaddr, or a peer id whose addresses we know); resolves with its peer id. */
  dial(addr: string): Promise<string>
  connectedPeers(): string[]
  /** Listen for connection and subscription changes; the listener gets the remote peer id. Returns an unsubscribe function. */
  on(event: PeerEventName, listener: (peerId: string) => void): () => void
}
