/**
 * @packageDocumentation
 *
 * Every message cycleshare puts on the wire: types, topic names, stream protocol ids, a
 * MessagePack codec and validation with explicit limits. No I/O. The full wire description for
 * other implementations is `docs/PROTOCOL.md`.
 *
 * @example
 * ```ts
 * import {
 *   msg, encode, decodeGossip, decodeRequest, decodeResponse, isProtocolError,
 *   TOPIC_PULL, PROTOCOL_COORDINATOR
 * } from '@cycleshare/protocol'
 *
 * // worker: ask for work on gossipsub
 * pubsub.publish(TOPIC_PULL, encode(msg.pull({ slots: 4, tasks: ['primes'], capacity: { threads: 4 } })))
 *
 * // coordinator: every gossip message is checked before it is used
 * const pull = decodeGossip(event.data) // throws InvalidFieldError naming e.g. `capacity.threads`
 *
 * // worker → coordinator: one request frame, one answer frame
 * send(encode(msg.report([msg.ok(lease.leaseId, { count: 25 })])))
 * const reported = decodeResponse(await receive(), 'reported') // an `error` answer is thrown
 *
 * // coordinator: a request on its stream protocol; a bad one is answered with an error
 * try {
 *   const request = decodeRequest(frame, PROTOCOL_COORDINATOR) // report | renew | release
 * } catch (err) {
 *   if (isProtocolError(err)) send(encode(msg.error(err)))
 * }
 * ```
 */

export * from './messages.js'
export {
  TOPIC_WORK, TOPIC_PULL, PROTOCOL_COORDINATOR, PROTOCOL_WORKER, defaultDecodeLimits, createDecodeLimits
} from './constants.js'
export type { DecodeLimits, StreamProtocol } from './constants.js'
export {
  ProtocolErrorName, ProtocolError, MessageTooLargeError, MalformedMessageError, UnsupportedVersionError,
  UnknownKindError, InvalidFieldError, UnexpectedKindError, RemoteError, hasErrorName, isProtocolError,
  isRemoteError, toWireError
} from './errors.js'
export { encode, decode, decodeGossip, decodeRequest, decodeResponse, ResponseKind } from './codec.js'
export type { CoordinatorRequest, WorkerRequest, RequestMessage, ResponseMessage, MessageOf } from './codec.js'
export { coordinatorRpc, workerRpc, defineRpc } from './rpc.js'
export type { AnswerKinds, StreamCall, StreamCalls, StreamRpc } from './rpc.js'
export { msg } from './msg.js'
