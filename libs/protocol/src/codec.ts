import { defaultDecodeLimits, PROTOCOL_BLOB, PROTOCOL_COORDINATOR, PROTOCOL_HANDOFF, PROTOCOL_WORKER } from './constants.js'
import type { DecodeLimits, StreamProtocol } from './constants.js'
import { MessageKind } from './messages.js'
import type { GossipMessage, Message } from './messages.js'
import { blobRpc, coordinatorRpc, handoffRpc, workerRpc } from './rpc.js'
import { decodeAnswer, decodeMessage, encodeMessage, type MessageOf } from './wire.js'

export type { MessageOf } from './wire.js'

/** Requests a worker sends on {@link PROTOCOL_COORDINATOR}. */
export type CoordinatorRequest = ReturnType<typeof coordinatorRpc.decodeRequest>
/** Requests the coordinator sends on {@link PROTOCOL_WORKER}. */
export type WorkerRequest = ReturnType<typeof workerRpc.decodeRequest>
/** Requests a worker sends another on {@link PROTOCOL_HANDOFF}. */
export type HandoffRequest = ReturnType<typeof handoffRpc.decodeRequest>
/** Requests a peer sends another on {@link PROTOCOL_BLOB}. */
export type BlobRequest = ReturnType<typeof blobRpc.decodeRequest>
export type RequestMessage = CoordinatorRequest | WorkerRequest | HandoffRequest | BlobRequest

type Calls = typeof coordinatorRpc.calls & typeof workerRpc.calls & typeof handoffRpc.calls & typeof blobRpc.calls

/** The answer each request kind gets (besides `error`), as the protocols declare it (rpc.ts). */
export const ResponseKind = Object.freeze(Object.fromEntries(
  [coordinatorRpc, workerRpc, handoffRpc, blobRpc].flatMap(rpc => Object.entries(rpc.calls).map(([request, call]) => [request, call.answerKind]))
)) as { readonly [K in keyof Calls]: Calls[K]['answerKind'] }
export type ResponseKind = (typeof ResponseKind)[keyof typeof ResponseKind]
export type ResponseMessage = MessageOf<ResponseKind>

const gossipKinds: readonly MessageKind[] = [MessageKind.Work, MessageKind.Pull]
const requestKinds: Readonly<Record<StreamProtocol, readonly string[]>> = {
  [PROTOCOL_COORDINATOR]: Object.keys(coordinatorRpc.calls),
  [PROTOCOL_WORKER]: Object.keys(workerRpc.calls),
  [PROTOCOL_HANDOFF]: Object.keys(handoffRpc.calls),
  [PROTOCOL_BLOB]: Object.keys(blobRpc.calls)
}

/**
 * Encodes one message. Throws MessageTooLargeError when the result is over
 * `limits.maxMessageBytes`, since the peer would refuse it: split the batch and send again.
 */
export function encode (message: Message, limits: DecodeLimits = defaultDecodeLimits): Uint8Array {
  return encodeMessage(message, limits)
}

/**
 * Decodes and checks one message of any kind. Checks, in order: byte length, MessagePack, a map,
 * `v`, `kind`, then every field of that kind against `limits`. Throws only the protocol errors
 * (recognise them with `isProtocolError`).
 */
export function decode (bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits): Message {
  return decodeMessage(bytes, limits)
}

/** Decodes a gossipsub message: `work` or `pull`; any other kind throws UnexpectedKindError. */
export function decodeGossip (bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits): GossipMessage {
  return decodeMessage(bytes, limits, gossipKinds) as GossipMessage
}

/**
 * Decodes a request frame read on a stream of `protocolId`: only the kinds that protocol serves
 * are accepted (UnexpectedKindError otherwise). `coordinatorRpc.decodeRequest` and
 * `workerRpc.decodeRequest` do the same with the default limits.
 */
export function decodeRequest (bytes: Uint8Array, protocolId: typeof PROTOCOL_COORDINATOR, limits?: DecodeLimits): CoordinatorRequest
export function decodeRequest (bytes: Uint8Array, protocolId: typeof PROTOCOL_WORKER, limits?: DecodeLimits): WorkerRequest
export function decodeRequest (bytes: Uint8Array, protocolId: typeof PROTOCOL_HANDOFF, limits?: DecodeLimits): HandoffRequest
export function decodeRequest (bytes: Uint8Array, protocolId: typeof PROTOCOL_BLOB, limits?: DecodeLimits): BlobRequest
export function decodeRequest (bytes: Uint8Array, protocolId: StreamProtocol, limits?: DecodeLimits): RequestMessage
export function decodeRequest (bytes: Uint8Array, protocolId: StreamProtocol, limits: DecodeLimits = defaultDecodeLimits): RequestMessage {
  const allowed = Object.hasOwn(requestKinds, protocolId) ? requestKinds[protocolId] : undefined
  if (allowed === undefined) {
    throw new TypeError(`protocolId must be ${PROTOCOL_COORDINATOR}, ${PROTOCOL_WORKER}, ${PROTOCOL_HANDOFF} or ${PROTOCOL_BLOB}`)
  }
  return decodeMessage(bytes, limits, allowed) as RequestMessage
}

/**
 * Decodes the answer to a request. Returns it when it is of `expectedKind`; throws a RemoteError
 * carrying the peer's name and message when the peer answered `error`; throws UnexpectedKindError
 * for any other kind.
 */
export function decodeResponse<K extends ResponseKind> (bytes: Uint8Array, expectedKind: K, limits: DecodeLimits = defaultDecodeLimits): MessageOf<K> {
  return decodeAnswer(bytes, expectedKind, limits)
}
