/**
 * @packageDocumentation
 *
 * The libp2p node both apps share (TCP, Noise, Yamux, identify, gossipsub) with a stable identity
 * on disk. Payloads are opaque bytes; the apps encode them with @cycleshare/protocol. Import
 * `@cycleshare/peer/polyfill` first in every entry point (Node 20 lacks `Promise.withResolvers`).
 *
 * Request/response framing: each frame on a stream is an unsigned LEB128 varint length followed
 * by that many body bytes (at most `maxFrameBytes`). A stream carries one or more request frames;
 * the handler answers each with exactly one response frame, in order; the requester half-closes
 * when done. `request` opens a stream, sends one frame, reads one frame, closes. A bad frame or a
 * throwing handler resets the stream (the requester sees StreamClosedError); the node goes on.
 *
 * @example
 * ```ts
 * import '@cycleshare/peer/polyfill'
 * import { createPeer } from '@cycleshare/peer'
 *
 * const coordinator = createPeer({ dataDir: './data', listen: ['/ip4/0.0.0.0/tcp/4001'] })
 * await coordinator.handle('/cycleshare/result/1', async (request, from) => encode(await store(request, from)))
 * coordinator.subscribe('cycleshare/pull/1', (data, from) => onPull(decode(data), from))
 * await coordinator.start()
 *
 * const worker = createPeer({ bootstrap: [coordinator.multiaddrs()[0]] })
 * await worker.start()
 * await worker.publish('cycleshare/pull/1', encode({ slots: 4 }))
 * const ack = await worker.request(coordinator.peerId, '/cycleshare/result/1', encode(result))
 * await worker.stop()
 * await coordinator.stop()
 * ```
 */
// Before anything that reaches libp2p, in case an entry point forgot to import it first.
import './polyfill.js'

export { createPeer } from './peer.js'
export type {
  Peer, PeerInit, PeerLog, PeerLogLevel, PeerEventName, RequestHandler, RequestOptions, TopicHandler
} from './types.js'
export {
  DialFailedError, FrameTooLargeError, InvalidFrameError, InvalidIdentityError, InvalidPeerAddressError,
  PeerNotStartedError, ProtocolNotSupportedError, RequestAbortedError, RequestTimeoutError, StreamClosedError
} from './errors.js'
export {
  DEFAULT_BOOTSTRAP, DEFAULT_LISTEN, DEFAULT_MAX_FRAME_BYTES, DEFAULT_REDIAL_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS, PEER_KEY_FILE
} from './constants.js'
