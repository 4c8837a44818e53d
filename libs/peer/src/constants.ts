/**
 * Defaults for {@link PeerInit}, merged as `{ ...defaults, ...init }`.
 */

/**
 * Addresses to listen on.
 *
 * @defaultValue `['/ip4/0.0.0.0/tcp/0']`
 */
export const DEFAULT_LISTEN: readonly string[] = ['/ip4/0.0.0.0/tcp/0']

/**
 * Peers (multiaddrs ending in `/p2p/<id>`) dialled on start and redialled while disconnected.
 *
 * @defaultValue `[]`
 */
export const DEFAULT_BOOTSTRAP: readonly string[] = []

/**
 * Largest frame body accepted or sent on a request/response stream, in bytes.
 *
 * @defaultValue `16 * 1024 * 1024` (16 MiB)
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024

/**
 * How long a whole request (dial, send, answer) may take, and how long a served stream may sit
 * idle between frames, in milliseconds.
 *
 * @defaultValue `30_000`
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/**
 * How often bootstrap peers we are not connected to are redialled, in milliseconds.
 *
 * @defaultValue `5_000`
 */
export const DEFAULT_REDIAL_INTERVAL_MS = 5_000

/** Name of the identity key file inside `dataDir`. */
export const PEER_KEY_FILE = 'peer-key'

/**
 * Gossipsub heartbeat. Our networks are small (one coordinator, tens of workers), so a faster
 * heartbeat than the 1 s default repairs the mesh sooner after a restart at negligible cost.
 */
export const GOSSIP_HEARTBEAT_MS = 500

/**
 * Room for the gossipsub RPC envelope (topic, seqno, signature, key) on top of the payload when
 * capping inbound gossip frames at `maxFrameBytes`.
 */
export const GOSSIP_ENVELOPE_BYTES = 64 * 1024

/** Upper bound for `maxFrameBytes`: a frame is held in memory whole. */
export const MAX_FRAME_BYTES_LIMIT = 1024 * 1024 * 1024

/** Concurrent inbound streams per connection for one request protocol (libp2p's default is 32). */
export const MAX_INBOUND_STREAMS = 64

/** Concurrent outbound streams per connection for one request protocol. */
export const MAX_OUTBOUND_STREAMS = 128
