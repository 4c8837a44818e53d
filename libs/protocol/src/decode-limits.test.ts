import { describe, expect, it } from 'vitest'
import { decode, decodeGossip, decodeRequest, decodeResponse, encode } from './codec.js'
import { PROTOCOL_COORDINATOR, PROTOCOL_WORKER, createDecodeLimits } from './constants.js'
import type { StreamProtocol } from './constants.js'
import { MessageTooComplexError, isProtocolError } from './errors.js'
import { msg } from './msg.js'
import { manyKeyReport, raw, thrownBy, s, ids, work, pull, assign, report, reported, renewed, error } from './testing/messages.js'

/** `{ a: { a: … 1 } }`, `levels` maps deep. */
const nested = (levels: number): unknown => levels === 0 ? 1 : { a: nested(levels - 1) }
/** A report whose output (at depth 4: envelope, results, result, output) nests `levels` maps. */
const reportNesting = (levels: number): Uint8Array => raw({ ...report, results: [{ leaseId: 'L-1', ok: true, output: nested(levels) }] })

describe('decode refuses on the MessagePack headers, before building the value', () => {
  it('a 9 MB report whose output is one map of a million keys', () => {
    const bytes = manyKeyReport(1_000_000)
    expect(bytes.byteLength).toBe(9_000_058)
    const err = thrownBy(() => decode(bytes))
    expect(err).toBeInstanceOf(MessageTooComplexError)
    expect(err).toMatchObject({
      name: 'MessageTooComplexError', limit: 'maxEntries', max: 262_144,
      message: 'message holds more than 262144 map entries and array items (maxEntries)'
    })
  })

  it('on the header alone: a map claiming a million keys is refused with none of them sent', () => {
    // every key is missing, so a decoder that read on would call this truncated, not too complex
    const full = manyKeyReport(1_000_000)
    const headerOnly = full.subarray(0, full.byteLength - 9_000_000)
    expect(thrownBy(() => decode(headerOnly))).toMatchObject({ name: 'MessageTooComplexError', limit: 'maxEntries' })
    expect(thrownBy(() => decode(Buffer.from('dfffffffff', 'hex')))).toMatchObject({ name: 'MessageTooComplexError', limit: 'maxEntries' })
    expect(thrownBy(() => decode(manyKeyReport(262_144)))).toMatchObject({ name: 'MessageTooComplexError', limit: 'maxEntries' })
  })

  it('counts entries and items over every map and array of the message', () => {
    const limits = createDecodeLimits({ maxEntries: 5 })
    // v, kind, leaseIds: three entries; two ids: two items
    expect(decode(raw({ v: 1, kind: 'release', leaseIds: ['a', 'b'] }), limits)).toEqual({ v: 1, kind: 'release', leaseIds: ['a', 'b'] })
    expect(thrownBy(() => decode(raw({ v: 1, kind: 'release', leaseIds: ['a', 'b', 'c'] }), limits))).toMatchObject({
      name: 'MessageTooComplexError', limit: 'maxEntries', max: 5, message: 'message holds more than 5 map entries and array items (maxEntries)'
    })
    // keys no receiver knows count too
    expect(thrownBy(() => decode(raw({ v: 1, kind: 'release', leaseIds: [], x: [[1], [2]] }), limits)).name).toBe('MessageTooComplexError')
  })

  it('nesting deeper than maxDepth, and accepts it at maxDepth', () => {
    expect(() => decode(reportNesting(13))).not.toThrow() // the innermost map at depth 16
    expect(thrownBy(() => decode(reportNesting(14)))).toMatchObject({
      name: 'MessageTooComplexError', limit: 'maxDepth', max: 16, message: 'message nests maps and arrays more than 16 deep (maxDepth)'
    })
    const limits = createDecodeLimits({ maxDepth: 4 })
    expect(() => decode(raw(report), limits)).not.toThrow() // { results: [{ output: { count } }] } is 4 deep
    expect(thrownBy(() => decode(reportNesting(2), limits))).toMatchObject({ name: 'MessageTooComplexError', limit: 'maxDepth', max: 4 })
  })

  it('deep nesting on its headers alone, with the rest of the message missing', () => {
    expect(thrownBy(() => decode(Buffer.from('81a161' + '91'.repeat(16), 'hex')))).toMatchObject({ name: 'MessageTooComplexError', limit: 'maxDepth' })
  })

  it('bytes that cannot start any value as not MessagePack, and other values as not a map', () => {
    expect(thrownBy(() => decode(new Uint8Array([0xc1, 0xff])))).toMatchObject({
      name: 'MalformedMessageError', message: 'message is not valid MessagePack: it holds the reserved byte 0xc1'
    })
    expect(thrownBy(() => decode(new Uint8Array(0)))).toMatchObject({ name: 'MalformedMessageError', message: 'message is not valid MessagePack: it is empty' })
    // a top-level array of a million items is refused on its first byte, not unpacked
    expect(thrownBy(() => decode(Buffer.from('dd000f4240', 'hex')))).toMatchObject({ name: 'MalformedMessageError', message: 'message is not a MessagePack map' })
  })

  it('a MessagePack extension anywhere in the message', () => {
    const withTimestamp = raw({ ...report, results: [{ leaseId: 'L-1', ok: true, output: new Date(0) }] })
    expect(thrownBy(() => decode(withTimestamp))).toMatchObject({
      name: 'MalformedMessageError', message: 'message holds a MessagePack extension type, which the protocol does not use'
    })
  })
})

/** mulberry32: a tiny seeded PRNG, so a failing buffer can be reproduced from its seed. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('decode never throws anything but a protocol error', () => {
  it('on 500 seeded random buffers', () => {
    const next = random(20240601)
    for (let n = 0; n < 500; n++) {
      const bytes = new Uint8Array(Math.floor(next() * 300))
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256)
      // random maps are rare, so start half of them with a map header to reach the field checks
      if (n % 2 === 0 && bytes.length > 0) bytes[0] = 0x80 | (bytes[0] & 0x0f)
      let err: unknown
      try {
        decode(bytes)
      } catch (e) {
        err = e
      }
      expect(isProtocolError(err), `buffer ${n}: ${Buffer.from(bytes).toString('hex')}`).toBe(true)
    }
  })

  it('on 500 seeded corruptions of valid messages', () => {
    const next = random(7)
    const valid = [work, pull, assign, report, reported, renewed, error].map(m => raw(m))
    for (let n = 0; n < 500; n++) {
      const bytes = Uint8Array.from(valid[n % valid.length])
      const flips = 1 + Math.floor(next() * 4)
      for (let f = 0; f < flips; f++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256)
      const cut = next() < 0.3 ? Math.floor(next() * bytes.length) : bytes.length
      try {
        decode(bytes.subarray(0, cut)) // a corruption may still be a valid message
      } catch (err) {
        expect(isProtocolError(err), `corruption ${n}: ${Buffer.from(bytes.subarray(0, cut)).toString('hex')}`).toBe(true)
      }
    }
  })
})

describe('typed decoders reject kinds that do not belong', () => {
  it('decodeGossip refuses stream messages', () => {
    expect(thrownBy(() => decodeGossip(raw(assign)))).toMatchObject({
      name: 'UnexpectedKindError', kind: 'assign', expected: ['work', 'pull'], message: 'expected work or pull but received assign'
    })
  })

  it.each<[string, Record<string, unknown>, StreamProtocol]>([
    ['report on the worker protocol', report, PROTOCOL_WORKER],
    ['renew on the worker protocol', { v: 1, kind: 'renew', leaseIds: [] }, PROTOCOL_WORKER],
    ['assign on the coordinator protocol', assign, PROTOCOL_COORDINATOR],
    ['cancel on the coordinator protocol', { v: 1, kind: 'cancel', leaseIds: [] }, PROTOCOL_COORDINATOR],
    ['gossip on a stream', work, PROTOCOL_COORDINATOR],
    ['a response where a request is expected', reported, PROTOCOL_COORDINATOR],
    ['an error where a request is expected', error, PROTOCOL_WORKER]
  ])('decodeRequest refuses %s', (_what, message, protocolId) => {
    expect(thrownBy(() => decodeRequest(raw(message), protocolId))).toMatchObject({ name: 'UnexpectedKindError', kind: message.kind })
  })

  it('decodeRequest refuses a kind before checking its fields', () => {
    // the fields are broken too, but the kind is the first thing wrong on this protocol
    expect(thrownBy(() => decodeRequest(raw({ v: 1, kind: 'assign' }), PROTOCOL_COORDINATOR)).name).toBe('UnexpectedKindError')
  })

  it('decodeRequest with an unknown protocol id is a programming error', () => {
    expect(() => decodeRequest(raw(report), '/other/1.0.0' as StreamProtocol)).toThrow(TypeError)
  })

  it('decodeResponse refuses an answer of another kind, and requests', () => {
    expect(thrownBy(() => decodeResponse(raw(renewed), 'reported'))).toMatchObject({
      name: 'UnexpectedKindError', kind: 'renewed', expected: ['reported', 'error']
    })
    expect(thrownBy(() => decodeResponse(raw(report), 'reported')).name).toBe('UnexpectedKindError')
  })

  it('decodeResponse checks an error answer before throwing it', () => {
    expect(thrownBy(() => decodeResponse(raw({ ...error, name: 5 }), 'released'))).toMatchObject({ name: 'InvalidFieldError', field: 'name' })
  })

  it('decodeResponse checks the answer\'s fields', () => {
    expect(thrownBy(() => decodeResponse(raw({ v: 1, kind: 'released', released: [1] }), 'released')))
      .toMatchObject({ name: 'InvalidFieldError', field: 'released[0]' })
    expect(decodeResponse(encode(msg.released(['L-1'])), 'released').released).toEqual(['L-1'])
  })
})
