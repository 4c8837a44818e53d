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
 * Bytes of request frames one peer may have us hold at once, counted over all its inbound streams
 * of every served protocol: bytes that have arrived and whose request has not been answered yet
 * (a frame partly received, frames waiting behind it, and the frame its handler is working on).
 * A stream whose bytes would take the peer over it is reset. The default is this many frames of
 * the largest size with their prefixes (4 × (16 MiB + 4) bytes, 64 MiB, with the default
 * `maxFrameBytes`): what one stream may hold by the framing rules (a request being handled and
 * two waiting behind it, see frames.ts), and one more arriving on another stream. Without the
 * budget, two hostile peers announcing 16 MiB frames on every stream they may open could make us
 * hold gigabytes; with it, 128 MiB between them.
 *
 * @defaultValue `4` frames of `maxFrameBytes` with their prefixes
 */
export const DEFAULT_INBOUND_FRAMES_PER_PEER = 4

/**
 * How often bootstrap peers we are not connected to are redialled, in milliseconds.
 *
 * @defaultValue `5_000`
 */
export const DEFAULT_REDIAL_INTERVAL_MS = 5_000

/**
 * New inbound connections one host (IP address) may open to us a second; more are refused, and
 * the dialler tries again. libp2p's own default, 5, refuses a lab of workers behind one NAT, or a
 * few workers on one machine, starting together (8 workers started at once on 127.0.0.1: 3
 * refused, each waiting for its next redial). Each connection costs a Noise handshake, so the
 * limit still bounds what one address can make us do.
 *
 * @defaultValue `50`
 */
export const DEFAULT_INBOUND_CONNECTIONS_PER_HOST = 50

/**
 * Inbound connections being upgraded (Noise, yamux) at once, from every host together; more are
 * refused until one is done. libp2p's default is 10.
 */
export const MAX_PENDING_INBOUND_CONNECTIONS = 32

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

/**
 * Concurrent inbound streams per connection for one request protocol (libp2p's default is 32).
 * A well-behaved requester needs one: it sends every request to a peer id on one long-lived
 * stream (channel.ts), and briefly a second while the one it closed for idleness still sends its
 * last answers. The other two leave room for one-shot calls to a multiaddr. Each stream may hold
 * up to two frames, so a lower count is also less a peer can make us buffer before its byte
 * budget (below) is reached on every stream at once.
 */
export const MAX_INBOUND_STREAMS = 4

/** Concurrent outbound streams per connection for one request protocol. */
export const MAX_OUTBOUND_STREAMS = 128

/**
 * Gossipsub peer scoring, for the topics an app names in `PeerInit.gossipTopics` (topics it does
 * not name are not scored). Chosen for a network of about 200 peers around one coordinator, most
 * of them workers that publish `pull` and hear `work`, several of them possibly on one host:
 *
 * - Nothing earns a positive score. Time in the mesh (P1) and first deliveries (P2) would reward
 *   a peer that floods (every flooded message is a first delivery), and mesh-delivery deficits
 *   (P3, P3b) would punish an idle worker, which rightly publishes nothing. So an honest peer sits
 *   at 0, and only misbehaviour moves a score.
 * - Invalid messages (P4) are what a flood becomes: the app's validator rejects what does not
 *   decode, and a topic's `maxMessagesPerSecond` rejects what comes too fast. Each costs
 *   `count²`, so about nine rejected messages in quick succession graylist a peer; the counter
 *   decays by 1 % a second (half-life about 70 s), so a peer that sent 100 stays graylisted for
 *   about four minutes, one that sent 10,000 for about twelve.
 * - Behaviour penalties (P7: re-grafting during backoff, unkept IWANT promises) past a slack of 6
 *   cost 10 × excess², decaying by 10 % a second: a few honest slips cost nothing.
 * - No IP-colocation penalty (P6): volunteers behind one NAT, and 200 peers on one machine in our
 *   own tests, share an address; identity-keyed budgets are what bound one peer.
 * - Scores are kept for an hour after a peer disconnects, so reconnecting clears nothing.
 */
export const GOSSIP_SCORE = {
  /** Counters decay once a second. */
  decayIntervalMs: 1_000,
  /** Weight of an invalid message: the score drops by `weight × count²`. */
  invalidMessageWeight: -1,
  /** Kept fraction of the invalid-message counter after each decay interval. */
  invalidMessageDecay: 0.99,
  behaviourPenaltyWeight: -10,
  behaviourPenaltyThreshold: 6,
  behaviourPenaltyDecay: 0.9,
  /** How long a disconnected peer's counters are remembered. */
  retainScoreMs: 3_600_000
} as const

/**
 * Score thresholds. An honest peer scores 0; each threshold below is a count of recent rejected
 * messages (√(-threshold) of them, with the weight above):
 * - under -10 (4 rejected), we stop gossiping IHAVE/IWANT with it;
 * - under -50 (8 rejected), we stop flood-publishing to it;
 * - under -80 (9 rejected), it is graylisted: every RPC it sends is dropped unread (messages,
 *   subscriptions and control alike) until its score decays back above.
 * We run no peer exchange, and a positive score is unreachable, so PX and opportunistic-graft
 * thresholds only need to be positive.
 */
export const GOSSIP_SCORE_THRESHOLDS = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 1
} as const
