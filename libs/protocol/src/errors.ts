import { defaultDecodeLimits } from './constants.js'
import type { WireError } from './messages.js'

/**
 * Names of the errors this lib throws. Errors cross threads and the wire as `{ name, message }`,
 * so code recognises them by these names (see {@link hasErrorName}), never by `instanceof`.
 */
export const ProtocolErrorName = {
  MessageTooLarge: 'MessageTooLargeError',
  MalformedMessage: 'MalformedMessageError',
  MessageTooComplex: 'MessageTooComplexError',
  UnsupportedVersion: 'UnsupportedVersionError',
  UnknownKind: 'UnknownKindError',
  InvalidField: 'InvalidFieldError',
  UnexpectedKind: 'UnexpectedKindError'
} as const
export type ProtocolErrorName = (typeof ProtocolErrorName)[keyof typeof ProtocolErrorName]

const protocolErrorNames: ReadonlySet<string> = new Set(Object.values(ProtocolErrorName))

/**
 * Every protocol error means the same bytes will be refused again: a peer must not resend a
 * message that drew one (it is this lib's "do not retry").
 */
export abstract class ProtocolError extends Error {
  abstract override readonly name: ProtocolErrorName
}

/** The encoded message is longer than `maxMessageBytes`. Checked before decoding. */
export class MessageTooLargeError extends ProtocolError {
  override readonly name = ProtocolErrorName.MessageTooLarge
  constructor (readonly bytes: number, readonly maxBytes: number, message = `message of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`) {
    super(message)
  }
}

/** The bytes are not one MessagePack value, or the value is not a map. */
export class MalformedMessageError extends ProtocolError {
  override readonly name = ProtocolErrorName.MalformedMessage
  constructor (message = 'message is not a MessagePack map') {
    super(message)
  }
}

/**
 * The message holds more map entries and array items in all than `maxEntries`, or nests maps and
 * arrays deeper than `maxDepth`. Checked on the MessagePack headers before any value is built.
 */
export class MessageTooComplexError extends ProtocolError {
  override readonly name = ProtocolErrorName.MessageTooComplex
  constructor (readonly limit: 'maxEntries' | 'maxDepth', readonly max: number, message = limit === 'maxEntries'
    ? `message holds more than ${max} map entries and array items (maxEntries)`
    : `message nests maps and arrays more than ${max} deep (maxDepth)`) {
    super(message)
  }
}

/** The envelope's `v` is a version this peer does not speak. */
export class UnsupportedVersionError extends ProtocolError {
  override readonly name = ProtocolErrorName.UnsupportedVersion
  constructor (readonly version: number, readonly supported: number, message = `protocol version ${version} is not supported (this peer speaks ${supported})`) {
    super(message)
  }
}

/** The envelope's `kind` is not a kind this protocol version defines. */
export class UnknownKindError extends ProtocolError {
  override readonly name = ProtocolErrorName.UnknownKind
  constructor (readonly kind: string, message = `unknown message kind ${JSON.stringify(kind.slice(0, 64))}`) {
    super(message)
  }
}

/** A field is missing, of the wrong type, or over a limit. `field` is its path, e.g. `results[3].leaseId`. */
export class InvalidFieldError extends ProtocolError {
  override readonly name = ProtocolErrorName.InvalidField
  constructor (readonly field: string, readonly requirement: string, message = `${field} must be ${requirement}`) {
    super(message)
  }
}

/**
 * A well-formed message arrived where it does not belong: a gossip kind on a stream, a request
 * kind on the wrong stream protocol, or an answer of another kind than the one awaited.
 */
export class UnexpectedKindError extends ProtocolError {
  override readonly name = ProtocolErrorName.UnexpectedKind
  constructor (readonly kind: string, readonly expected: readonly string[], message = `expected ${expected.join(' or ')} but received ${kind}`) {
    super(message)
  }
}

/**
 * The peer answered a request with an `error` message. `name` and `message` are the peer's own,
 * so the error is recognised by name like a local one; `remote` tells the two apart.
 */
export class RemoteError extends Error {
  readonly remote = true
  constructor (wire: WireError) {
    super(wire.message)
    this.name = wire.name
  }
}

/** True when `err` is an Error-like value whose `name` is `name`: works across threads and the wire. */
export function hasErrorName (err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name
}

/** True when `err` is one of this lib's errors (thrown locally or rebuilt from a peer's `error`). */
export function isProtocolError (err: unknown): err is Error & { name: ProtocolErrorName } {
  return typeof err === 'object' && err !== null && protocolErrorNames.has((err as { name?: unknown }).name as string)
}

/** True when `err` was thrown because the peer answered with an `error` message. */
export function isRemoteError (err: unknown): err is RemoteError {
  return typeof err === 'object' && err !== null && (err as { remote?: unknown }).remote === true && err instanceof Error
}

/**
 * Turns anything thrown into `{ name, message }` fit for the wire: never throws, and trims both
 * strings to the default limits so the peer never rejects the error report itself.
 */
export function toWireError (err: unknown): WireError {
  let name = 'Error'
  let message: string
  if (typeof err === 'object' && err !== null) {
    // Errors rebuilt from a thread or the wire are often plain objects, so read the fields, not the class.
    const { name: n, message: m } = err as { name?: unknown, message?: unknown }
    if (typeof n === 'string' && n.length > 0) name = n
    message = typeof m === 'string' ? m : safeString(err)
  } else {
    message = safeString(err)
  }
  return {
    name: name.slice(0, defaultDecodeLimits.maxErrorNameLength),
    message: message.slice(0, defaultDecodeLimits.maxErrorMessageLength)
  }
}

function safeString (value: unknown): string {
  try {
    return String(value)
  } catch {
    // An object whose toString throws (or a null-prototype object) still deserves a report.
    return Object.prototype.toString.call(value)
  }
}
