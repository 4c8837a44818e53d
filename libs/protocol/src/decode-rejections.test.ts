import { describe, expect, it } from 'vitest'
import { decode } from './codec.js'
import { createDecodeLimits, defaultDecodeLimits } from './constants.js'
import { isProtocolError } from './errors.js'
import { raw, thrownBy, s, ids, lease, work, pull, assign, report, failedResult, reported, renewed, transfer, offer, error, locate, located, fetchPieces, piece, describe as describeTask, described } from './testing/messages.js'

/** [what, message, field path named by the InvalidFieldError] */
const invalidFields: Array<[string, Record<string, unknown>, string]> = [
  ['work without pending', { ...work, pending: undefined }, 'pending'],
  ['work with negative pending', { ...work, pending: -1 }, 'pending'],
  ['work with fractional pending', { ...work, pending: 1.5 }, 'pending'],
  ['work with string pending', { ...work, pending: '3' }, 'pending'],
  ['work with pending beyond 2^53', { ...work, pending: 2 ** 60 }, 'pending'],
  ['work without tasks', { ...work, tasks: undefined }, 'tasks'],
  ['work with tasks as a string', { ...work, tasks: 'primes' }, 'tasks'],
  ['work with 65 tasks', { ...work, tasks: Array.from({ length: 65 }, (_, i) => `t${i}`) }, 'tasks'],
  ['work with a numeric task', { ...work, tasks: ['pi', 7] }, 'tasks[1]'],
  ['work with an empty task name', { ...work, tasks: [''] }, 'tasks[0]'],
  ['work with a 65-character task name', { ...work, tasks: [s(65)] }, 'tasks[0]'],
  ['pull without slots', { ...pull, slots: undefined }, 'slots'],
  ['pull with 0 slots', { ...pull, slots: 0 }, 'slots'],
  ['pull with 1025 slots', { ...pull, slots: 1025 }, 'slots'],
  ['pull with fractional slots', { ...pull, slots: 2.5 }, 'slots'],
  ['pull without tasks', { ...pull, tasks: undefined }, 'tasks'],
  ['pull without capacity', { ...pull, capacity: undefined }, 'capacity'],
  ['pull with capacity as an array', { ...pull, capacity: [4] }, 'capacity'],
  ['pull with 0 threads', { ...pull, capacity: { threads: 0 } }, 'capacity.threads'],
  ['pull with 1025 threads', { ...pull, capacity: { threads: 1025 } }, 'capacity.threads'],
  ['assign without leases', { ...assign, leases: undefined }, 'leases'],
  ['assign with leases as a map', { ...assign, leases: { 0: lease } }, 'leases'],
  ['assign with 10001 leases', { ...assign, leases: Array.from({ length: 10_001 }, () => lease) }, 'leases'],
  ['assign with a lease that is a string', { ...assign, leases: [lease, 'L-2'] }, 'leases[1]'],
  ['assign with a lease that is null', { ...assign, leases: [null] }, 'leases[0]'],
  ['a lease without leaseId', { ...assign, leases: [{ ...lease, leaseId: undefined }] }, 'leases[0].leaseId'],
  ['a lease with a numeric leaseId', { ...assign, leases: [{ ...lease, leaseId: 1 }] }, 'leases[0].leaseId'],
  ['a lease with an empty leaseId', { ...assign, leases: [{ ...lease, leaseId: '' }] }, 'leases[0].leaseId'],
  ['a lease with a 129-character leaseId', { ...assign, leases: [{ ...lease, leaseId: s(129) }] }, 'leases[0].leaseId'],
  ['a lease without jobId', { ...assign, leases: [{ ...lease, jobId: undefined }] }, 'leases[0].jobId'],
  ['a lease with a 129-character jobId', { ...assign, leases: [{ ...lease, jobId: s(129) }] }, 'leases[0].jobId'],
  ['a lease with a negative index', { ...assign, leases: [{ ...lease, index: -1 }] }, 'leases[0].index'],
  ['a lease with a fractional index', { ...assign, leases: [{ ...lease, index: 0.5 }] }, 'leases[0].index'],
  ['a lease with a string index', { ...assign, leases: [{ ...lease, index: '0' }] }, 'leases[0].index'],
  ['a lease with attempt 0', { ...assign, leases: [{ ...lease, attempt: 0 }] }, 'leases[0].attempt'],
  ['a lease without attempt', { ...assign, leases: [{ ...lease, attempt: undefined }] }, 'leases[0].attempt'],
  ['a lease without epoch', { ...assign, leases: [{ ...lease, epoch: undefined }] }, 'leases[0].epoch'],
  ['a lease with epoch 0', { ...assign, leases: [{ ...lease, epoch: 0 }] }, 'leases[0].epoch'],
  ['a lease with a fractional epoch', { ...assign, leases: [{ ...lease, epoch: 1.5 }] }, 'leases[0].epoch'],
  ['a lease with a string epoch', { ...assign, leases: [{ ...lease, epoch: '1' }] }, 'leases[0].epoch'],
  ['a lease without task', { ...assign, leases: [{ ...lease, task: undefined }] }, 'leases[0].task'],
  ['a lease with a 65-character task', { ...assign, leases: [{ ...lease, task: s(65) }] }, 'leases[0].task'],
  ['a lease without input', { ...assign, leases: [{ ...lease, input: undefined }] }, 'leases[0].input'],
  ['a lease with ttlMs 0', { ...assign, leases: [{ ...lease, ttlMs: 0 }] }, 'leases[0].ttlMs'],
  ['a lease with ttlMs over an hour', { ...assign, leases: [{ ...lease, ttlMs: 3_600_001 }] }, 'leases[0].ttlMs'],
  ['a lease without ttlMs', { ...assign, leases: [{ ...lease, ttlMs: undefined }] }, 'leases[0].ttlMs'],
  ['a lease with timeoutMs 0', { ...assign, leases: [{ ...lease, timeoutMs: 0 }] }, 'leases[0].timeoutMs'],
  ['a lease with a fractional timeoutMs', { ...assign, leases: [{ ...lease, timeoutMs: 2.5 }] }, 'leases[0].timeoutMs'],
  ['a lease with timeoutMs over a day', { ...assign, leases: [{ ...lease, timeoutMs: 86_400_001 }] }, 'leases[0].timeoutMs'],
  ['assigned without accepted', { v: 1, kind: 'assigned', refused: [] }, 'accepted'],
  ['assigned with a numeric refused id', { v: 1, kind: 'assigned', accepted: [], refused: [3] }, 'refused[0]'],
  ['report without results', { ...report, results: undefined }, 'results'],
  ['report with 10001 results', { ...report, results: Array.from({ length: 10_001 }, () => report.results[0]) }, 'results'],
  ['a result that is a number', { ...report, results: [7] }, 'results[0]'],
  ['a result without ok', { ...report, results: [{ leaseId: 'L-1', output: 1 }] }, 'results[0].ok'],
  ['a result with ok as a string', { ...report, results: [{ leaseId: 'L-1', ok: 'yes', output: 1 }] }, 'results[0].ok'],
  ['an ok result without output', { ...report, results: [{ leaseId: 'L-1', ok: true }] }, 'results[0].output'],
  ['a failed result without error', { ...report, results: [{ leaseId: 'L-1', ok: false }] }, 'results[0].error'],
  ['a failed result with error as a string', { ...report, results: [{ ...failedResult, error: 'boom' }] }, 'results[0].error'],
  ['a failed result with a numeric error name', { ...report, results: [{ ...failedResult, error: { name: 1, message: 'boom' } }] }, 'results[0].error.name'],
  ['a failed result without error message', { ...report, results: [{ ...failedResult, error: { name: 'Error' } }] }, 'results[0].error.message'],
  ['a failed result with a 4097-character message', { ...report, results: [{ ...failedResult, error: { name: 'Error', message: s(4097) } }] }, 'results[0].error.message'],
  ['a result claiming negative CPU time', { ...report, results: [{ leaseId: 'L-1', ok: true, output: 1, cpuMs: -1 }] }, 'results[0].cpuMs'],
  ['a result claiming more than a day of CPU time', { ...report, results: [{ leaseId: 'L-1', ok: true, output: 1, cpuMs: 86_400_001 }] }, 'results[0].cpuMs'],
  ['a result claiming fractional CPU time', { ...report, results: [{ ...failedResult, cpuMs: 1.5 }] }, 'results[0].cpuMs'],
  ['a result claiming CPU time as a string', { ...report, results: [{ leaseId: 'L-1', ok: true, output: 1, cpuMs: '5' }] }, 'results[0].cpuMs'],
  ['reported with a negative credit', { ...reported, credit: -5 }, 'credit'],
  ['reported with a fractional credit', { ...reported, credit: 0.5 }, 'credit'],
  ['reported without accepted', { ...reported, accepted: undefined }, 'accepted'],
  ['reported without rejected', { ...reported, rejected: undefined }, 'rejected'],
  ['reported with a rejection that is a string', { ...reported, rejected: ['L-2'] }, 'rejected[0]'],
  ['a rejection without leaseId', { ...reported, rejected: [{ reason: 'gone' }] }, 'rejected[0].leaseId'],
  ['a rejection without reason', { ...reported, rejected: [{ leaseId: 'L-2' }] }, 'rejected[0].reason'],
  ['renew without leaseIds', { v: 1, kind: 'renew' }, 'leaseIds'],
  ['renew with 10001 lease ids', { v: 1, kind: 'renew', leaseIds: ids(10_001) }, 'leaseIds'],
  ['renew with a 129-character lease id', { v: 1, kind: 'renew', leaseIds: ['L-1', s(129)] }, 'leaseIds[1]'],
  ['renew with checkpoints that are not an array', { v: 1, kind: 'renew', leaseIds: ['L-1'], checkpoints: { leaseId: 'L-1' } }, 'checkpoints'],
  ['renew with 10001 checkpoints', { v: 1, kind: 'renew', leaseIds: ['L-1'], checkpoints: Array.from({ length: 10_001 }, () => ({ leaseId: 'L-1', state: 1 })) }, 'checkpoints'],
  ['a checkpoint that is a string', { v: 1, kind: 'renew', leaseIds: ['L-1'], checkpoints: ['L-1'] }, 'checkpoints[0]'],
  ['a checkpoint without leaseId', { v: 1, kind: 'renew', leaseIds: ['L-1'], checkpoints: [{ state: 1 }] }, 'checkpoints[0].leaseId'],
  ['a checkpoint without state', { v: 1, kind: 'release', leaseIds: ['L-1'], checkpoints: [{ leaseId: 'L-1' }] }, 'checkpoints[0].state'],
  ['a checkpoint with a nil state', { v: 1, kind: 'release', leaseIds: ['L-1'], checkpoints: [{ leaseId: 'L-1', state: null }] }, 'checkpoints[0].state'],
  ['renewed with refused that is not an array', { ...renewed, refused: 'L-1' }, 'refused'],
  ['a refusal without reason', { ...renewed, refused: [{ leaseId: 'L-1' }] }, 'refused[0].reason'],
  ['renewed without ttlMs', { ...renewed, ttlMs: undefined }, 'ttlMs'],
  ['a pull with 9 addresses', { v: 1, kind: 'pull', slots: 1, tasks: ['pi'], capacity: { threads: 1 }, addrs: Array.from({ length: 9 }, () => '/ip4/127.0.0.1/tcp/1') }, 'addrs'],
  ['a pull with a 257-character address', { v: 1, kind: 'pull', slots: 1, tasks: ['pi'], capacity: { threads: 1 }, addrs: [s(257)] }, 'addrs[0]'],
  ['transfer without transfers', { v: 1, kind: 'transfer' }, 'transfers'],
  ['a transfer without epoch', { v: 1, kind: 'transfer', transfers: [{ ...transfer, epoch: undefined }] }, 'transfers[0].epoch'],
  ['a transfer at epoch 0', { v: 1, kind: 'transfer', transfers: [{ ...transfer, epoch: 0 }] }, 'transfers[0].epoch'],
  ['a transfer without to', { v: 1, kind: 'transfer', transfers: [{ ...transfer, to: '' }] }, 'transfers[0].to'],
  ['a transfer from a 129-character id', { v: 1, kind: 'transfer', transfers: [{ ...transfer, from: s(129) }] }, 'transfers[0].from'],
  ['a transfer with a 63-byte signature', { v: 1, kind: 'transfer', transfers: [{ ...transfer, signature: new Uint8Array(63) }] }, 'transfers[0].signature'],
  ['a transfer with a string signature', { v: 1, kind: 'transfer', transfers: [{ ...transfer, signature: 'abc' }] }, 'transfers[0].signature'],
  ['transferred with a moved epoch of 1', { v: 1, kind: 'transferred', moved: [lease], refused: [] }, 'moved[0].epoch'],
  ['transferred with a moved lease without input', { v: 1, kind: 'transferred', moved: [{ ...lease, epoch: 2, input: null }], refused: [] }, 'moved[0].input'],
  ['transferred with only the id and epoch of a moved lease', { v: 1, kind: 'transferred', moved: [{ leaseId: 'L-1', epoch: 2 }], refused: [] }, 'moved[0].jobId'],
  ['transferred without refused', { v: 1, kind: 'transferred', moved: [] }, 'refused'],
  ['offer without coordinator', { ...offer, coordinator: undefined }, 'coordinator'],
  ['an offer with a transfer short', { ...offer, transfers: [] }, 'transfers'],
  ['an offer whose transfer names another lease', { ...offer, transfers: [{ ...transfer, leaseId: 'L-9' }] }, 'transfers[0].leaseId'],
  ['an offer with a lease without input', { ...offer, leases: [{ ...offer.leases[0], input: null }] }, 'leases[0].input'],
  ['taken without refused', { v: 1, kind: 'taken', accepted: [] }, 'refused'],
  ['renewed with fractional ttlMs', { ...renewed, ttlMs: 1.5 }, 'ttlMs'],
  ['renewed without lost', { ...renewed, lost: undefined }, 'lost'],
  ['renewed without renewed', { ...renewed, renewed: undefined }, 'renewed'],
  ['release without leaseIds', { v: 1, kind: 'release', leaseIds: null }, 'leaseIds'],
  ['released without released', { v: 1, kind: 'released' }, 'released'],
  ['cancel with a null lease id', { v: 1, kind: 'cancel', leaseIds: [null] }, 'leaseIds[0]'],
  ['cancelled without cancelled', { v: 1, kind: 'cancelled' }, 'cancelled'],
  ['locate without blob', { ...locate, blob: undefined }, 'blob'],
  ['locate with a 129-character blob name', { ...locate, blob: s(129) }, 'blob'],
  ['locate without addrs', { ...locate, addrs: undefined }, 'addrs'],
  ['locate with 9 addrs', { ...locate, addrs: Array.from({ length: 9 }, () => '/ip4/1.2.3.4/tcp/1') }, 'addrs'],
  ['located with a manifest that is a string', { ...located, manifest: 'CSB1' }, 'manifest'],
  ['located with a manifest over 2 MiB', { ...located, manifest: new Uint8Array(16 + 65_536 * 32 + 1) }, 'manifest'],
  ['located with an 8193-byte bitfield', { ...located, have: new Uint8Array(8193) }, 'have'],
  ['located without peers', { ...located, peers: undefined }, 'peers'],
  ['located with 33 peers', { ...located, peers: Array.from({ length: 33 }, () => located.peers[0]) }, 'peers'],
  ['located with a peer without addrs', { ...located, peers: [{ peerId: 'P' }] }, 'peers[0].addrs'],
  ['located with a peer without an id', { ...located, peers: [{ addrs: [] }] }, 'peers[0].peerId'],
  ['fetch without pieces', { ...fetchPieces, pieces: undefined }, 'pieces'],
  ['fetch with no pieces', { ...fetchPieces, pieces: [] }, 'pieces'],
  ['fetch with 65 pieces', { ...fetchPieces, pieces: Array.from({ length: 65 }, (_, i) => i) }, 'pieces'],
  ['fetch with a negative piece', { ...fetchPieces, pieces: [1, -1] }, 'pieces[1]'],
  ['fetch with piece 65536', { ...fetchPieces, pieces: [65_536] }, 'pieces[0]'],
  ['piece without bytes', { ...piece, bytes: undefined }, 'bytes'],
  ['piece with empty bytes', { ...piece, bytes: new Uint8Array(0) }, 'bytes'],
  ['piece with bytes over 4 MiB', { ...piece, bytes: new Uint8Array(4 * 1024 * 1024 + 1) }, 'bytes'],
  ['piece with a fractional index', { ...piece, index: 0.5 }, 'index'],
  ['piece without have', { ...piece, have: undefined }, 'have'],
  ['work with 9 addrs', { ...work, addrs: Array.from({ length: 9 }, () => '/ip4/1.2.3.4/tcp/1') }, 'addrs'],
  ['work with a numeric addr', { ...work, addrs: [7] }, 'addrs[0]'],
  ['describe without task', { ...describeTask, task: undefined }, 'task'],
  ['describe with a 65-character task', { ...describeTask, task: s(65) }, 'task'],
  ['described without task', { ...described, task: undefined }, 'task'],
  ['described with a manifest that is a string', { ...described, manifest: '{}' }, 'manifest'],
  ['described with a manifest over 64 KiB', { ...described, manifest: new Uint8Array(65_537) }, 'manifest'],
  ['described with an empty manifest', { ...described, manifest: new Uint8Array(0) }, 'manifest'],
  ['described without module', { ...described, module: undefined }, 'module'],
  ['described with a 129-character module', { ...described, module: s(129) }, 'module'],
  ['described without signer', { ...described, signer: undefined }, 'signer'],
  ['described with a signature that is a string', { ...described, signature: 'sig' }, 'signature'],
  ['described with a 513-byte signature', { ...described, signature: new Uint8Array(513) }, 'signature'],
  ['error without name', { ...error, name: undefined }, 'name'],
  ['error with an empty name', { ...error, name: '' }, 'name'],
  ['error with a 129-character name', { ...error, name: s(129) }, 'name'],
  ['error with a numeric message', { ...error, message: 404 }, 'message'],
  ['error with a 4097-character message', { ...error, message: s(4097) }, 'message']
]

describe('decode rejects', () => {
  it.each(invalidFields)('%s', (_what, message, field) => {
    const err = thrownBy(() => decode(raw(message)))
    expect(err.name).toBe('InvalidFieldError')
    expect(err).toMatchObject({ field })
    expect(err.message.startsWith(`${field} must be `)).toBe(true)
  })

  it('names the field and the rule in the message', () => {
    const results = [...Array.from({ length: 3 }, () => report.results[0]), { leaseId: s(129), ok: true, output: 1 }]
    expect(thrownBy(() => decode(raw({ ...report, results })))).toMatchObject({
      name: 'InvalidFieldError',
      field: 'results[3].leaseId',
      message: 'results[3].leaseId must be a non-empty string of at most 128 characters'
    })
    expect(thrownBy(() => decode(raw({ ...pull, slots: 0 }))).message).toBe('slots must be an integer from 1 to 1024')
    expect(thrownBy(() => decode(raw({ ...assign, leases: [{ ...lease, index: -1 }] }))).message)
      .toBe('leases[0].index must be an integer of at least 0')
    expect(thrownBy(() => decode(raw({ v: 1, kind: 'renew', leaseIds: ids(10_001) }))).message)
      .toBe('leaseIds must be an array of at most 10000 items')
  })

  it('accepts the limits exactly: 128-character ids, 10000 items, 1024 slots, one hour', () => {
    expect(() => decode(raw({ v: 1, kind: 'renew', leaseIds: [...ids(9_999), s(128)] }))).not.toThrow()
    expect(() => decode(raw({ ...pull, slots: 1024, capacity: { threads: 1024 } }))).not.toThrow()
    expect(() => decode(raw({ ...assign, leases: [{ ...lease, ttlMs: 3_600_000, task: s(64) }] }))).not.toThrow()
    expect(() => decode(raw({ ...error, message: s(4096), name: s(128) }))).not.toThrow()
  })

  it('applies custom limits', () => {
    const limits = createDecodeLimits({ maxBatch: 2, maxIdLength: 4 })
    expect(() => decode(raw({ v: 1, kind: 'release', leaseIds: ['a', 'b'] }), limits)).not.toThrow()
    expect(thrownBy(() => decode(raw({ v: 1, kind: 'release', leaseIds: ['a', 'b', 'c'] }), limits)))
      .toMatchObject({ field: 'leaseIds', message: 'leaseIds must be an array of at most 2 items' })
    expect(thrownBy(() => decode(raw({ v: 1, kind: 'release', leaseIds: ['abcde'] }), limits)))
      .toMatchObject({ field: 'leaseIds[0]' })
  })

  it('an oversized message before decoding it', () => {
    const limits = createDecodeLimits({ maxMessageBytes: 8 })
    // 9 bytes of garbage: the size is the complaint, so decoding was never tried
    expect(thrownBy(() => decode(new Uint8Array(9).fill(0xc1), limits))).toMatchObject({
      name: 'MessageTooLargeError', bytes: 9, maxBytes: 8, message: 'message of 9 bytes exceeds the limit of 8 bytes'
    })
    const huge = new Uint8Array(defaultDecodeLimits.maxMessageBytes + 1)
    expect(thrownBy(() => decode(huge)).name).toBe('MessageTooLargeError')
  })

  it.each([
    ['empty bytes', ''],
    ['a truncated array', 'dc00ff'],
    ['a truncated string', 'd90a61'],
    ['a valid map followed by a stray byte', '81a176' + '01' + '00'],
    ['a map with a map as key', '81' + '80' + '01']
  ])('bytes that are not one MessagePack value: %s', (_what, hex) => {
    expect(thrownBy(() => decode(Buffer.from(hex, 'hex'))).name).toBe('MalformedMessageError')
  })

  it.each([
    ['a number', 42], ['a string', 'work'], ['an array', [1, 'work']], ['nil', null], ['true', true],
    ['a bin', new Uint8Array([1, 2])], ['a timestamp', new Date(0)]
  ])('a message that is not a map: %s', (_what, value) => {
    expect(thrownBy(() => decode(raw(value)))).toMatchObject({ name: 'MalformedMessageError', message: 'message is not a MessagePack map' })
  })

  it('very deep nesting without crashing', () => {
    const bytes = new Uint8Array(200_001).fill(0x91) // [[[[…]]]] two hundred thousand deep
    bytes[200_000] = 0xc0
    expect(isProtocolError(thrownBy(() => decode(bytes)))).toBe(true)
  })

  it('an unsupported version', () => {
    expect(thrownBy(() => decode(raw({ ...work, v: 2 })))).toMatchObject({
      name: 'UnsupportedVersionError', version: 2, supported: 1, message: 'protocol version 2 is not supported (this peer speaks 1)'
    })
    expect(thrownBy(() => decode(raw({ ...work, v: 0 }))).name).toBe('UnsupportedVersionError')
  })

  it.each([
    ['missing', undefined], ['a string', '1'], ['fractional', 1.5]
  ])('a version that is %s', (_what, v) => {
    expect(thrownBy(() => decode(raw({ ...work, v })))).toMatchObject({ name: 'InvalidFieldError', field: 'v' })
  })

  it('an unknown kind', () => {
    expect(thrownBy(() => decode(raw({ v: 1, kind: 'steal', leaseIds: [] })))).toMatchObject({
      name: 'UnknownKindError', kind: 'steal', message: 'unknown message kind "steal"'
    })
  })

  it('a kind that is missing or not a string', () => {
    expect(thrownBy(() => decode(raw({ v: 1 })))).toMatchObject({ name: 'InvalidFieldError', field: 'kind' })
    expect(thrownBy(() => decode(raw({ v: 1, kind: 3 })))).toMatchObject({ name: 'InvalidFieldError', field: 'kind' })
  })

  it('a __proto__ key without polluting any prototype', () => {
    // {"v":1,"kind":"work","pending":1,"tasks":[],"__proto__":{"polluted":true}}
    const bytes = Buffer.from('85a17601a46b696e64a4776f726ba770656e64696e6701a57461736b7390' +
      'a95f5f70726f746f5f5f' + '81a8706f6c6c75746564c3', 'hex')
    const decoded = decode(bytes) as unknown as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(decoded.polluted).toBeUndefined()
  })

  it('something that is not a Uint8Array as a programming error', () => {
    expect(() => decode('{}' as unknown as Uint8Array)).toThrow(TypeError)
  })
})
