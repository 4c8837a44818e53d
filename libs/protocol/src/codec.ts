import { Packr } from 'msgpackr'
import type { Options as PackrOptions } from 'msgpackr'
import { defaultDecodeLimits, PROTOCOL_COORDINATOR, PROTOCOL_WORKER } from './constants.js'
import type { DecodeLimits, StreamProtocol } from './constants.js'
import {
  InvalidFieldError, MalformedMessageError, MessageTooLargeError, RemoteError, UnexpectedKindError,
  UnknownKindError, UnsupportedVersionError
} from './errors.js'
import { MessageKind, PROTOCOL_VERSION } from './messages.js'
import type {
  AssignMessage, CancelMessage, GossipMessage, Message, ReleaseMessage, RenewMessage, ReportMessage
} from './messages.js'
import { checkFields, isMap } from './validate.js'

/** Requests a worker sends on {@link PROTOCOL_COORDINATOR}. */
export type CoordinatorRequest = ReportMessage | RenewMessage | ReleaseMessage
/** Requests the coordinator sends on {@link PROTOCOL_WORKER}. */
export type WorkerRequest = AssignMessage | CancelMessage
export type RequestMessage = CoordinatorRequest | WorkerRequest

/** The message type of a kind: `MessageOf<'assigned'>` is `AssignedMessage`. */
export type MessageOf<K extends MessageKind> = Extract<Message, { kind: K }>

/** The answer each request kind gets (besides `error`). */
export const ResponseKind = {
  [MessageKind.Assign]: MessageKind.Assigned,
  [MessageKind.Report]: MessageKind.Reported,
  [MessageKind.Renew]: MessageKind.Renewed,
  [MessageKind.Release]: MessageKind.Released,
  [MessageKind.Cancel]: MessageKind.Cancelled
} as const
export type ResponseKind = (typeof ResponseKind)[keyof typeof ResponseKind]
export type ResponseMessage = MessageOf<ResponseKind>

const knownKinds: ReadonlySet<string> = new Set(Object.values(MessageKind))
const gossipKinds: readonly MessageKind[] = [MessageKind.Work, MessageKind.Pull]
const requestKinds: Readonly<Record<StreamProtocol, readonly MessageKind[]>> = {
  [PROTOCOL_COORDINATOR]: [MessageKind.Report, MessageKind.Renew, MessageKind.Release],
  [PROTOCOL_WORKER]: [MessageKind.Assign, MessageKind.Cancel]
}

/*
 * Plain MessagePack that any library can read:
 * - useRecords: false — maps stay maps (no msgpackr record extension);
 * - moreTypes: false — a Uint8Array is written as `bin` (with moreTypes it would become a msgpackr
 *   typed-array extension), and Set/Error/RegExp degrade to arrays instead of private extensions;
 * - encodeUndefinedAsNil — `undefined` would otherwise be a msgpackr extension;
 * - structuredClone: false — refuses the reference extensions, so a peer cannot build cycles;
 * - copyBuffers — a decoded `bin` owns its memory instead of pinning (and sharing) the frame;
 * - int64AsType 'auto' — a 64-bit integer from another encoder is a number when it is safe, and a
 *   bigint (which field checks then reject) when it is not.
 */
const packrOptions: PackrOptions = {
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  structuredClone: false,
  copyBuffers: true,
  mapsAsObjects: true,
  int64AsType: 'auto' as PackrOptions['int64AsType']
}
const packr = new Packr(packrOptions)

/**
 * Encodes one message. Throws MessageTooLargeError when the result is over
 * `limits.maxMessageBytes`, since the peer would refuse it: split the batch and send again.
 */
export function encode (message: Message, limits: DecodeLimits = defaultDecodeLimits): Uint8Array {
  const bytes = packr.pack(message)
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new MessageTooLargeError(bytes.byteLength, limits.maxMessageBytes)
  }
  return bytes
}

/**
 * Decodes and checks one message of any kind. Checks, in order: byte length, MessagePack, a map,
 * `v`, `kind`, then every field of that kind against `limits`. Throws only the protocol errors
 * (recognise them with `isProtocolError`).
 */
export function decode (bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits): Message {
  return decodeChecked(bytes, limits)
}

/** Decodes a gossipsub message: `work` or `pull`; any other kind throws UnexpectedKindError. */
export function decodeGossip (bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits): GossipMessage {
  return decodeChecked(bytes, limits, gossipKinds) as GossipMessage
}

/**
 * Decodes a request frame read on a stream of `protocolId`: only the kinds that protocol serves
 * are accepted (UnexpectedKindError otherwise).
 */
export function decodeRequest (bytes: Uint8Array, protocolId: typeof PROTOCOL_COORDINATOR, limits?: DecodeLimits): CoordinatorRequest
export function decodeRequest (bytes: Uint8Array, protocolId: typeof PROTOCOL_WORKER, limits?: DecodeLimits): WorkerRequest
export function decodeRequest (bytes: Uint8Array, protocolId: StreamProtocol, limits?: DecodeLimits): RequestMessage
export function decodeRequest (bytes: Uint8Array, protocolId: StreamProtocol, limits: DecodeLimits = defaultDecodeLimits): RequestMessage {
  const allowed = requestKinds[protocolId]
  if (allowed === undefined) {
    throw new TypeError(`protocolId must be ${PROTOCOL_COORDINATOR} or ${PROTOCOL_WORKER}`)
  }
  return decodeChecked(bytes, limits, allowed) as RequestMessage
}

/**
 * Decodes the answer to a request. Returns it when it is of `expectedKind`; throws a RemoteError
 * carrying the peer's name and message when the peer answered `error`; throws UnexpectedKindError
 * for any other kind.
 */
export function decodeResponse<K extends ResponseKind> (bytes: Uint8Array, expectedKind: K, limits: DecodeLimits = defaultDecodeLimits): MessageOf<K> {
  const message = decodeChecked(bytes, limits, [expectedKind, MessageKind.Error])
  if (message.kind === MessageKind.Error) {
    throw new RemoteError({ name: message.name, message: message.message })
  }
  return message as MessageOf<K>
}

function decodeChecked (bytes: Uint8Array, limits: DecodeLimits, allowed?: readonly string[]): Message {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('bytes must be a Uint8Array')
  }
  // Length first: nothing else may spend time or memory on an oversized message.
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new MessageTooLargeError(bytes.byteLength, limits.maxMessageBytes)
  }
  // A Buffer would make every decoded `bin` a Buffer too; a plain view keeps them plain Uint8Arrays.
  const source = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let value: unknown
  try {
    value = packr.unpack(source)
  } catch (err) {
    // msgpackr's own messages can quote the payload; a short reason is enough for a log line.
    const reason = err instanceof Error ? err.message.slice(0, 120) : 'unreadable'
    throw new MalformedMessageError(`message is not valid MessagePack: ${reason}`)
  }
  if (!isMap(value)) {
    throw new MalformedMessageError()
  }
  const v = value.v
  if (!Number.isSafeInteger(v)) {
    throw new InvalidFieldError('v', 'an integer')
  }
  if (v !== PROTOCOL_VERSION) {
    throw new UnsupportedVersionError(v as number, PROTOCOL_VERSION)
  }
  const kind = value.kind
  if (typeof kind !== 'string') {
    throw new InvalidFieldError('kind', 'a string')
  }
  if (!knownKinds.has(kind)) {
    throw new UnknownKindError(kind)
  }
  // Kind before fields: a stray message costs no field checks.
  if (allowed !== undefined && !allowed.includes(kind)) {
    throw new UnexpectedKindError(kind, allowed)
  }
  checkFields(kind as MessageKind, value, limits)
  return value as unknown as Message
}
