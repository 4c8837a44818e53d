/**
 * @packageDocumentation
 *
 * The libp2p node both apps share (TCP, Noise, Yamux, identify, gossipsub) with a stable identity
 * on disk. Gossip payloads are opaque bytes (the apps encode them with @cycleshare/protocol);
 * stream requests are typed calls, below. Import `@cycleshare/peer/polyfill` first in every
 * entry point (Node 20 lacks `Promise.withResolvers`).
 *
 * Typed calls: a stream protocol's calls are declared once, as an {@link RpcProtocol} (the
 * protocol id, and for each request kind how the request and its answer are encoded and checked);
 * `@cycleshare/protocol` declares cycleshare's own (`coordinatorRpc`, `workerRpc`) and this lib
 * takes them by shape. `call` sends a request and resolves with the answer of its kind; `serve`
 * answers each request kind with its handler, and answers a request that does not decode, or
 * whose handler throws, with the protocol's error answer. They are the one client path and the
 * one server path; `createResponder` is what `serve` answers frames with, for carrying a
 * protocol over something else (a test's fake peer).
 *
 * Framing: each frame on a stream is an unsigned LEB128 varint length followed by that many body
 * bytes (at most `maxFrameBytes`). A stream carries one or more request frames; the server
 * answers each with exactly one response frame, in order; the requester half-closes when done.
 * Calls to a peer id share one long-lived stream per (peer, protocol), several in flight at once.
 * A bad frame resets the stream (the requester sees StreamClosedError); the node goes on.
 *
 * @example
 * ```ts
 * import '@cycleshare/peer/polyfill'
 * import { createPeer } from '@cycleshare/peer'
 * import { coordinatorRpc, msg, TOPIC_PULL, encode, workerRpc } from '@cycleshare/protocol'
 *
 * const coordinator = createPeer({ dataDir: './data', listen: ['/ip4/0.0.0.0/tcp/4001'] })
 * await coordinator.serve(coordinatorRpc, {
 *   report: ({ results }, from) => {
 *     const { accepted, rejected } = scheduler.complete(from, results)
 *     return msg.reported(accepted, rejected)
 *   },
 *   renew: ({ leaseIds }, from) => {
 *     const { renewed, ttlMs, lost } = scheduler.renew(from, leaseIds)
 *     return msg.renewed(renewed, ttlMs, lost)
 *   },
 *   release: ({ leaseIds }, from) => msg.released(scheduler.release(from, leaseIds))
 * })
 * coordinator.subscribe(TOPIC_PULL, (data, from) => onPull(data, from))
 * await coordinator.start()
 *
 * const worker = createPeer({ bootstrap: [coordinator.multiaddrs()[0]] })
 * await worker.serve(workerRpc, {
 *   assign: ({ leases }) => msg.assigned(take(leases), []),
 *   cancel: ({ leaseIds }) => msg.cancelled(drop(leaseIds))
 * }, {
 *   // refused before its bytes are decoded, and answered with an `error`
 *   admit: (from) => { if (from !== coordinator.peerId) throw new Error(`${from} is not my coordinator`) }
 * })
 * await worker.start()
 * await worker.publish(TOPIC_PULL, encode(msg.pull({ slots: 4, tasks: ['primes'], capacity: { threads: 4 } })))
 * const renewed = await worker.call(coordinator.peerId, coordinatorRpc, msg.renew(leaseIds)) // a `renewed`
 * await worker.stop()
 * await coordinator.stop()
 * ```
 */
// Before anything that reaches libp2p, in case an entry point forgot to import it first.
import './polyfill.js'

export { createPeer } from './peer.js'
export { verifySignature } from './signature.js'
export { groupNetworkKey, MIN_GROUP_SECRET_BYTES, swarmKey } from './private-network.js'
export type {
  CallOptions, FrameHandler, GossipTopicInit, GossipValidator, GossipVerdict, InboundUsage, Peer, PeerInit, PeerLog,
  PeerLogLevel, PeerEventName, TopicHandler
} from './types.js'
export { createResponder } from './rpc.js'
export type {
  ResponderOptions, RpcAnswer, RpcCall, RpcCalls, RpcHandlers, RpcProtocol, RpcRequest, ServeOptions
} from './rpc.js'
export {
  DialFailedError, FrameTooLargeError, InboundBudgetExceededError, InvalidFrameError, InvalidIdentityError, InvalidPeerAddressError,
  PeerNotServingError, PeerNotStartedError, ProtocolNotSupportedError, RequestAbortedError, RequestTimeoutError, StreamClosedError, UnreadBytesError
} from './errors.js'
export {
  DEFAULT_BOOTSTRAP, DEFAULT_INBOUND_FRAMES_PER_PEER, DEFAULT_LISTEN, DEFAULT_MAX_FRAME_BYTES, DEFAULT_REDIAL_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS, GOSSIP_SCORE, GOSSIP_SCORE_THRESHOLDS, MAX_INBOUND_STREAMS, PEER_KEY_FILE
} from './constants.js'
