import { describe, expect, it } from 'vitest'
import { createDecodeLimits, defaultDecodeLimits } from './constants.js'
import {
  InvalidFieldError, MalformedMessageError, MessageTooComplexError, MessageTooLargeError, RemoteError, UnexpectedKindError, UnknownKindError,
  UnsupportedVersionError, hasErrorName, isProtocolError, isRemoteError, toWireError
} from './errors.js'

describe('protocol errors', () => {
  it('each has its name and a default message', () => {
    expect(new MessageTooLargeError(20, 10)).toMatchObject({ name: 'MessageTooLargeError', message: 'message of 20 bytes exceeds the limit of 10 bytes' })
    expect(new MalformedMessageError()).toMatchObject({ name: 'MalformedMessageError', message: 'message is not a MessagePack map' })
    expect(new MessageTooComplexError('maxEntries', 262_144)).toMatchObject({
      name: 'MessageTooComplexError', limit: 'maxEntries', max: 262_144, message: 'message holds more than 262144 map entries and array items (maxEntries)'
    })
    expect(new MessageTooComplexError('maxDepth', 16)).toMatchObject({
      name: 'MessageTooComplexError', limit: 'maxDepth', max: 16, message: 'message nests maps and arrays more than 16 deep (maxDepth)'
    })
    expect(new UnsupportedVersionError(3, 1)).toMatchObject({ name: 'UnsupportedVersionError', message: 'protocol version 3 is not supported (this peer speaks 1)' })
    expect(new UnknownKindError('x')).toMatchObject({ name: 'UnknownKindError', message: 'unknown message kind "x"' })
    expect(new InvalidFieldError('leases[2].ttlMs', 'an integer from 1 to 10')).toMatchObject({
      name: 'InvalidFieldError', field: 'leases[2].ttlMs', message: 'leases[2].ttlMs must be an integer from 1 to 10'
    })
    expect(new UnexpectedKindError('work', ['assign', 'cancel'])).toMatchObject({
      name: 'UnexpectedKindError', message: 'expected assign or cancel but received work'
    })
  })

  it('keeps an attacker-chosen kind short in the message', () => {
    expect(new UnknownKindError('k'.repeat(10_000)).message.length).toBeLessThan(100)
  })

  it('are recognised by name, also as plain objects that crossed a thread', () => {
    expect(isProtocolError(new InvalidFieldError('v', 'an integer'))).toBe(true)
    expect(isProtocolError({ name: 'UnknownKindError', message: 'unknown message kind "x"' })).toBe(true)
    expect(isProtocolError(new MessageTooComplexError('maxDepth', 16))).toBe(true)
    expect(isProtocolError(new TypeError('x'))).toBe(false)
    expect(isProtocolError(undefined)).toBe(false)
    expect(isProtocolError('InvalidFieldError')).toBe(false)
    expect(hasErrorName({ name: 'UnknownLeaseError', message: '' }, 'UnknownLeaseError')).toBe(true)
    expect(hasErrorName(new RangeError('x'), 'TypeError')).toBe(false)
    expect(hasErrorName(null, 'Error')).toBe(false)
  })

  it('a RemoteError carries the peer\'s name and message', () => {
    const err = new RemoteError({ name: 'InvalidFieldError', message: 'slots must be an integer from 1 to 1024' })
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'InvalidFieldError', message: 'slots must be an integer from 1 to 1024', remote: true })
    expect(isRemoteError(err)).toBe(true)
    expect(isProtocolError(err)).toBe(true)
    expect(isRemoteError(new InvalidFieldError('v', 'an integer'))).toBe(false)
  })
})

describe('toWireError', () => {
  it('keeps name and message of errors and error-like objects', () => {
    expect(toWireError(new RangeError('too big'))).toEqual({ name: 'RangeError', message: 'too big' })
    expect(toWireError(new InvalidFieldError('v', 'an integer'))).toEqual({ name: 'InvalidFieldError', message: 'v must be an integer' })
    expect(toWireError({ name: 'AbortError', message: 'aborted' })).toEqual({ name: 'AbortError', message: 'aborted' })
  })

  it('turns anything else into an Error', () => {
    expect(toWireError('plain string')).toEqual({ name: 'Error', message: 'plain string' })
    expect(toWireError(42)).toEqual({ name: 'Error', message: '42' })
    expect(toWireError(undefined)).toEqual({ name: 'Error', message: 'undefined' })
    expect(toWireError({ name: 7, message: 8 })).toEqual({ name: 'Error', message: '[object Object]' })
    expect(toWireError(Object.create(null))).toEqual({ name: 'Error', message: '[object Object]' })
    const hostile = { toString () { throw new Error('no') } }
    expect(toWireError(hostile)).toEqual({ name: 'Error', message: '[object Object]' })
  })

  it('trims to the default limits so the peer accepts the report', () => {
    const wire = toWireError({ name: 'N'.repeat(500), message: 'm'.repeat(10_000) })
    expect(wire.name.length).toBe(defaultDecodeLimits.maxErrorNameLength)
    expect(wire.message.length).toBe(defaultDecodeLimits.maxErrorMessageLength)
  })
})

describe('createDecodeLimits', () => {
  it('merges over the defaults', () => {
    expect(createDecodeLimits()).toEqual(defaultDecodeLimits)
    expect(createDecodeLimits({ maxBatch: 5 })).toEqual({ ...defaultDecodeLimits, maxBatch: 5 })
    expect(defaultDecodeLimits.maxMessageBytes).toBe(16 * 1024 * 1024)
    expect(defaultDecodeLimits.maxEntries).toBe(262_144)
    expect(defaultDecodeLimits.maxDepth).toBe(16)
  })

  it('names a bad option', () => {
    expect(() => createDecodeLimits({ maxBatch: 0 })).toThrow(new RangeError('limits.maxBatch must be a positive integer'))
    expect(() => createDecodeLimits({ maxTtlMs: 1.5 })).toThrow(new RangeError('limits.maxTtlMs must be a positive integer'))
    expect(() => createDecodeLimits({ maxIdLength: '9' as unknown as number })).toThrow(new TypeError('limits.maxIdLength must be a number'))
    expect(() => createDecodeLimits({ maxEntries: 0 })).toThrow(new RangeError('limits.maxEntries must be a positive integer'))
    expect(() => createDecodeLimits({ maxDepth: 2.5 })).toThrow(new RangeError('limits.maxDepth must be a positive integer'))
  })
})
