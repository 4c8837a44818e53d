/**
 * Bytes ↔ checked messages: the MessagePack settings and the one decode path every public decoder
 * (codec.ts) and every stream call (rpc.ts) goes through.
 */
import { Packr } from 'msgpackr'
import type { Options as PackrOptions } from 'msgpackr'
import type { DecodeLimits } from './constants.js'
import {
  InvalidFieldError, MalformedMessageError, MessageTooLargeError, RemoteError, UnexpectedKindError,
  UnknownKindError, UnsupportedVersionError
} from './errors.js'
import { MessageKind, PROTOCOL_VERSION } from './messages.js'
import type { Message } from './messages.js'
import { checkStructure } from './structure.js'
import { checkFields, isMap } from './validate.js'

/** The message type of a kind: `MessageOf<'assigned'>` is `AssignedMessage`. */
export type MessageOf<K extends MessageKind> = Extract<Message, { kind: K }>

const knownKinds: ReadonlySet<string> = new Set(Object.values(MessageKind))

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
export function encodeMessage (message: Message, limits: DecodeLimits): Uint8Array {
  const bytes = packr.pack(message)
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new MessageTooLargeError(bytes.byteLength, limits.maxMessageBytes)
  }
  return bytes
}

/**
 * Decodes the answer to a request: returns it when it is of `expectedKind`, throws a RemoteError
 * carrying the peer's name and message when the peer answered `error`, and UnexpectedKindError
 * for any other kind.
 */
export function decodeAnswer<K extends MessageKind> (bytes: Uint8Array, expectedKind: K, limits: DecodeLimits): MessageOf<K> {
  const message = decodeMessage(bytes, limits, [expectedKind, MessageKind.Error])
  if (message.kind === MessageKind.Error) {
    throw new RemoteError({ name: message.name, message: message.message })
  }
  return message as MessageOf<K>
}

/**
 * Decodes and checks one message, in this order: byte length; the MessagePack headers (a map, no
 * extension, at most `maxEntries` entries and items, at most `maxDepth` deep); the value; `v`;
 * `kind`; that the kind is one of `allowed` (when given); then every field of that kind against
 * `limits`. Throws only the protocol errors.
 */
export function decodeMessage (bytes: Uint8Array, limits: DecodeLimits, allowed?: readonly string[]): Message {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('bytes must be a Uint8Array')
  }
  // Length first: nothing else may spend time or memory on an oversized message.
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new MessageTooLargeError(bytes.byteLength, limits.maxMessageBytes)
  }
  // Headers before values: a message too big in keys or depth is refused before msgpackr builds any of it.
  checkStructure(bytes, limits.maxEntries, limits.maxDepth)
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
