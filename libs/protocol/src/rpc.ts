/**
 * The stream protocols' calls, each declared once: the request kinds a protocol serves, the kind
 * of answer each one gets, and how both are encoded and checked. `@cycleshare/peer`'s `call` and
 * `serve` take these objects as they are (they have the shape of its `RpcProtocol`), so no call
 * site encodes, decodes or matches an answer to its request by hand.
 *
 * A new stream protocol is its messages (messages.ts, validate.ts), its id (constants.ts) and one
 * `defineRpc(id, { request: answer, … })` here.
 */
import { defaultDecodeLimits, PROTOCOL_BLOB, PROTOCOL_COORDINATOR, PROTOCOL_HANDOFF, PROTOCOL_WORKER } from './constants.js'
import type { DecodeLimits } from './constants.js'
import { MessageKind } from './messages.js'
import type { Message } from './messages.js'
import { msg } from './msg.js'
import { decodeAnswer, decodeMessage, encodeMessage, type MessageOf } from './wire.js'

/** For one protocol: each request kind it serves → the kind of the answer to it. */
export type AnswerKinds = { readonly [K in MessageKind]?: MessageKind }

/** One call: a request of one kind and its answer. */
export interface StreamCall<Request extends Message, Answer extends Message> {
  /** The kind the request is answered with, when it does not fail (then the answer is `error`). */
  readonly answerKind: Answer['kind']
  /** Encodes a request; throws MessageTooLargeError when it is over `maxMessageBytes`. */
  encodeRequest(request: Request): Uint8Array
  /**
   * Decodes and checks the answer. Throws a RemoteError with the peer's name and message for an
   * `error` answer, UnexpectedKindError for an answer of another kind, and the other protocol
   * errors for one that does not decode.
   */
  decodeAnswer(bytes: Uint8Array): Answer
  /** Encodes an answer; throws MessageTooLargeError when it is over `maxMessageBytes`. */
  encodeAnswer(answer: Answer): Uint8Array
}

/** The calls of an {@link AnswerKinds} table, keyed by request kind. */
export type StreamCalls<T extends AnswerKinds> = {
  readonly [K in keyof T & MessageKind]: StreamCall<MessageOf<K>, MessageOf<NonNullable<T[K]>>>
}

/** A stream protocol: its id and its calls. */
export interface StreamRpc<T extends AnswerKinds> {
  /** The libp2p protocol id its streams are opened with. */
  readonly protocol: string
  readonly calls: StreamCalls<T>
  /**
   * Decodes and checks a request frame: only the kinds this protocol serves are accepted
   * (UnexpectedKindError for any other), then every field.
   */
  decodeRequest(bytes: Uint8Array): MessageOf<keyof T & MessageKind>
  /** The `error` answer for a request that failed: anything thrown becomes `{ name, message }`. */
  encodeError(err: unknown): Uint8Array
}

/**
 * Declares a stream protocol from its id and its table of request kind → answer kind. Messages
 * are checked against `limits`, which both ends must share.
 */
export function defineRpc<const T extends AnswerKinds> (
  protocol: string, answers: T, limits: DecodeLimits = defaultDecodeLimits
): StreamRpc<T> {
  if (typeof protocol !== 'string' || !protocol.startsWith('/')) {
    throw new TypeError(`protocol must be a string starting with "/", got ${JSON.stringify(protocol)}`)
  }
  const kinds = new Set<string>(Object.values(MessageKind))
  const entries = Object.entries(answers) as Array<[MessageKind, MessageKind]>
  if (entries.length === 0) throw new TypeError('answers must declare at least one request kind')
  for (const [request, answer] of entries) {
    if (!kinds.has(request)) throw new TypeError(`answers.${request} is not a message kind`)
    if (!kinds.has(answer)) throw new TypeError(`answers.${request} must be a message kind, got ${JSON.stringify(answer)}`)
  }
  const requestKinds = entries.map(([request]) => request)
  const calls = Object.fromEntries(entries.map(([request, answerKind]) => [request, {
    answerKind,
    encodeRequest: message => encodeMessage(message, limits),
    decodeAnswer: bytes => decodeAnswer(bytes, answerKind, limits),
    encodeAnswer: message => encodeMessage(message, limits)
  } satisfies StreamCall<Message, Message>]))
  return Object.freeze({
    protocol,
    calls: Object.freeze(calls) as unknown as StreamCalls<T>,
    decodeRequest: (bytes: Uint8Array) => decodeMessage(bytes, limits, requestKinds) as MessageOf<keyof T & MessageKind>,
    encodeError: (err: unknown) => encodeMessage(msg.error(err), limits)
  })
}

/** What a worker asks of the coordinator, on streams it opens to it. */
export const coordinatorRpc = defineRpc(PROTOCOL_COORDINATOR, {
  [MessageKind.Report]: MessageKind.Reported,
  [MessageKind.Renew]: MessageKind.Renewed,
  [MessageKind.Release]: MessageKind.Released,
  [MessageKind.Transfer]: MessageKind.Transferred
})

/** What the coordinator asks of a worker, on streams it opens to it. */
export const workerRpc = defineRpc(PROTOCOL_WORKER, {
  [MessageKind.Assign]: MessageKind.Assigned,
  [MessageKind.Cancel]: MessageKind.Cancelled
})

/** What a worker that steps back asks of another, on streams it opens to it. */
export const handoffRpc = defineRpc(PROTOCOL_HANDOFF, {
  [MessageKind.Offer]: MessageKind.Taken
})

/** What any peer asks of another for content: blobs, and the signed records of custom tasks. */
export const blobRpc = defineRpc(PROTOCOL_BLOB, {
  [MessageKind.Locate]: MessageKind.Located,
  [MessageKind.Fetch]: MessageKind.Piece,
  [MessageKind.Describe]: MessageKind.Described
})
