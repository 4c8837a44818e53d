/**
 * @packageDocumentation
 *
 * Every message cycleshare puts on the wire: types, topic names, stream protocol ids, a
 * MessagePack codec and validation with explicit limits. No I/O. The full wire description for
 * other implementations is `docs/PROTOCOL.md`.
 *
 * @example
 * ```ts
 * import { msg, encode, decodeGossip, coordinatorRpc, workerRpc, TOPIC_PULL } from '@cycleshare/protocol'
 *
 * // worker: ask for work on gossipsub
 * pubsub.publish(TOPIC_PULL, encode(msg.pull({ slots: 4, tasks: ['primes'], capacity: { threads: 4 } })))
 *
 * // coordinator: every gossip message is checked before it is used
 * const pull = decodeGossip(event.data) // throws InvalidFieldError naming e.g. `capacity.threads`
 *
 * // stream calls are declared once per protocol (request kind → answer kind → checks);
 * // @cycleshare/peer's call() and serve() take the declarations as they are:
 * const reported = await peer.call(coordinatorId, coordinatorRpc, msg.report([msg.ok(leaseId, { count: 25 })]))
 * await peer.serve(workerRpc, {
 *   assign: ({ leases }, from) => msg.assigned(take(leases, from), []),
 *   cancel: ({ leaseIds }) => msg.cancelled(drop(leaseIds))
 * })
 *
 * // or by hand, on any transport: one request frame, one answer frame
 * send(coordinatorRpc.calls.renew.encodeRequest(msg.renew(ids)))
 * const renewed = coordinatorRpc.calls.renew.decodeAnswer(await receive()) // an `error` answer is thrown
 * ```
 */

export * from './messages.js'
export {
  TOPIC_WORK, TOPIC_PULL, PROTOCOL_BLOB, PROTOCOL_COORDINATOR, PROTOCOL_HANDOFF, PROTOCOL_WORKER, MAX_CHECKPOINT_BYTES, MAX_RESULT_CPU_MS, defaultDecodeLimits,
  createDecodeLimits, MAX_BITFIELD_BYTES, MAX_BLOB_PEERS, MAX_FETCH_CANDIDATES, MAX_MANIFEST_BYTES, MAX_PIECE_BYTES, MAX_TASK_MANIFEST_BYTES, MAX_TASK_NAME_LENGTH
} from './constants.js'
export type { DecodeLimits, StreamProtocol } from './constants.js'
export {
  ProtocolErrorName, ProtocolError, MessageTooLargeError, MalformedMessageError, MessageTooComplexError, UnsupportedVersionError,
  UnknownKindError, InvalidFieldError, UnexpectedKindError, RemoteError, hasErrorName, isProtocolError,
  isRemoteError, toWireError
} from './errors.js'
export { encode, decode, decodeGossip, decodeRequest, decodeResponse, ResponseKind } from './codec.js'
export type { BlobRequest, CoordinatorRequest, HandoffRequest, WorkerRequest, RequestMessage, ResponseMessage, MessageOf } from './codec.js'
export { blobRpc, coordinatorRpc, handoffRpc, workerRpc, defineRpc } from './rpc.js'
export { taskStatement } from './task-statement.js'
export { DEFAULT_TOPICS, groupTopics, type GossipTopics } from './topics.js'
export { transferStatement } from './transfer.js'
export type { AnswerKinds, StreamCall, StreamCalls, StreamRpc } from './rpc.js'
export { msg } from './msg.js'
