import { describe, expect, it } from 'vitest'
import { decode, encode, ResponseKind } from './codec.js'
import { createDecodeLimits, PROTOCOL_BLOB, PROTOCOL_COORDINATOR, PROTOCOL_HANDOFF, PROTOCOL_WORKER } from './constants.js'
import { isRemoteError } from './errors.js'
import type { Lease, Message } from './messages.js'
import { msg } from './msg.js'
import { blobRpc, coordinatorRpc, defineRpc, handoffRpc, workerRpc } from './rpc.js'

const lease: Lease = { leaseId: 'L-1', jobId: 'J-1', index: 7, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 1000 }, ttlMs: 30_000 }
const transfer = { leaseId: 'L-1', epoch: 1, from: '12D3KooWGiver', to: '12D3KooWTaker', signature: new Uint8Array(64).fill(7) }

function thrownBy (fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn()
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  throw new Error('expected a throw')
}

const answerKinds = (rpc: { calls: object }): Record<string, unknown> =>
  Object.fromEntries(Object.entries(rpc.calls).map(([request, call]) => [request, (call as { answerKind: string }).answerKind]))

describe('stream protocol declarations', () => {
  it('declare each request kind with the kind of its answer, on its protocol id', () => {
    expect(coordinatorRpc.protocol).toBe(PROTOCOL_COORDINATOR)
    expect(answerKinds(coordinatorRpc)).toEqual({ report: 'reported', renew: 'renewed', release: 'released', transfer: 'transferred' })
    expect(workerRpc.protocol).toBe(PROTOCOL_WORKER)
    expect(answerKinds(workerRpc)).toEqual({ assign: 'assigned', cancel: 'cancelled' })
    expect(handoffRpc.protocol).toBe(PROTOCOL_HANDOFF)
    expect(answerKinds(handoffRpc)).toEqual({ offer: 'taken' })
    expect(blobRpc.protocol).toBe(PROTOCOL_BLOB)
    expect(answerKinds(blobRpc)).toEqual({ locate: 'located', fetch: 'piece', describe: 'described' })
    expect(ResponseKind).toEqual({
      report: 'reported', renew: 'renewed', release: 'released', transfer: 'transferred', assign: 'assigned', cancel: 'cancelled', offer: 'taken',
      locate: 'located', fetch: 'piece', describe: 'described'
    })
  })

  it.each([
    [coordinatorRpc, msg.report([msg.ok('L-1', { count: 168 }), msg.failed('L-2', new RangeError('too big'))]), msg.reported(['L-1'], [{ leaseId: 'L-2', reason: 'late' }])],
    [coordinatorRpc, msg.renew(['L-1', 'L-2']), msg.renewed(['L-1'], 30_000, ['L-2'])],
    [coordinatorRpc, msg.release(['L-1']), msg.released(['L-1'])],
    [workerRpc, msg.assign([lease]), msg.assigned(['L-1'], [])],
    [workerRpc, msg.cancel(['L-1']), msg.cancelled(['L-1'])],
    [coordinatorRpc, msg.transfer([transfer], [{ leaseId: 'L-1', state: { next: 9, count: 4 } }]), msg.transferred([{ ...lease, epoch: 2, resume: { next: 9, count: 4 } }], [])],
    [handoffRpc, msg.offer('12D3KooWCoordinator', [{ ...lease, resume: { next: 9, count: 4 } }], [transfer]), msg.taken(['L-1'], [])]
  ] as const)('carry a %#: request and answer both ways', (rpc, request, answer) => {
    const call = (rpc.calls as Record<string, { encodeRequest(m: Message): Uint8Array, decodeAnswer(b: Uint8Array): Message, encodeAnswer(m: Message): Uint8Array }>)[request.kind]
    expect(rpc.decodeRequest(call.encodeRequest(request))).toEqual(request)
    expect(call.decodeAnswer(call.encodeAnswer(answer))).toEqual(answer)
    expect(decode(call.encodeRequest(request))).toEqual(request)
  })

  it('refuse a request kind on the wrong protocol, naming what is served there', () => {
    expect(Object.hasOwn(coordinatorRpc.calls, 'assign')).toBe(false)
    expect(Object.hasOwn(workerRpc.calls, 'report')).toBe(false)
    expect(thrownBy(() => coordinatorRpc.decodeRequest(encode(msg.assign([lease]))))).toMatchObject({
      name: 'UnexpectedKindError', kind: 'assign', expected: ['report', 'renew', 'release', 'transfer'], message: 'expected report or renew or release or transfer but received assign'
    })
    expect(thrownBy(() => workerRpc.decodeRequest(encode(msg.report([]))))).toMatchObject({
      name: 'UnexpectedKindError', kind: 'report', expected: ['assign', 'cancel']
    })
  })

  it('refuse answers, gossip and errors sent as requests', () => {
    for (const m of [msg.reported([], []), msg.pull({ slots: 1, tasks: ['pi'], capacity: { threads: 1 } }), msg.error(new Error('x'))]) {
      expect(thrownBy(() => coordinatorRpc.decodeRequest(encode(m)))).toMatchObject({ name: 'UnexpectedKindError', kind: m.kind })
    }
  })

  it('check every field of a request they serve', () => {
    expect(thrownBy(() => coordinatorRpc.decodeRequest(encode({ v: 1, kind: 'renew', leaseIds: [42] } as never))))
      .toMatchObject({ name: 'InvalidFieldError', field: 'leaseIds[0]' })
  })

  it('throw an error answer as a RemoteError with the peer\'s name and message', () => {
    const err = thrownBy(() => coordinatorRpc.calls.renew.decodeAnswer(coordinatorRpc.encodeError(new RangeError('slow down'))))
    expect(isRemoteError(err)).toBe(true)
    expect(err).toMatchObject({ name: 'RangeError', message: 'slow down' })
    expect(decode(workerRpc.encodeError(new TypeError('nope')))).toEqual({ v: 1, kind: 'error', name: 'TypeError', message: 'nope' })
  })

  it('refuse an answer of another kind than the one the request gets', () => {
    expect(thrownBy(() => coordinatorRpc.calls.report.decodeAnswer(encode(msg.renewed([], 1000, []))))).toMatchObject({
      name: 'UnexpectedKindError', kind: 'renewed', expected: ['reported', 'error']
    })
    expect(thrownBy(() => workerRpc.calls.cancel.decodeAnswer(encode(msg.assigned([], []))))).toMatchObject({
      name: 'UnexpectedKindError', kind: 'assigned', expected: ['cancelled', 'error']
    })
  })

  it('check sizes against their limits', () => {
    const small = defineRpc(PROTOCOL_COORDINATOR, { renew: 'renewed' }, createDecodeLimits({ maxMessageBytes: 64 }))
    const big = msg.renew(Array.from({ length: 10 }, (_, i) => `lease-${i}`))
    expect(thrownBy(() => small.calls.renew.encodeRequest(big))).toMatchObject({ name: 'MessageTooLargeError', maxBytes: 64 })
    expect(thrownBy(() => small.decodeRequest(encode(big)))).toMatchObject({ name: 'MessageTooLargeError', maxBytes: 64 })
    expect(small.decodeRequest(encode(msg.renew(['L-1'])))).toEqual(msg.renew(['L-1']))
  })

  it('are declared from a protocol id and message kinds only', () => {
    expect(() => defineRpc('no-slash', { renew: 'renewed' })).toThrow(new TypeError('protocol must be a string starting with "/", got "no-slash"'))
    expect(() => defineRpc('/x/1', {})).toThrow(new TypeError('answers must declare at least one request kind'))
    expect(() => defineRpc('/x/1', { renew: 'renewal' } as never)).toThrow(new TypeError('answers.renew must be a message kind, got "renewal"'))
    expect(() => defineRpc('/x/1', { ping: 'renewed' } as never)).toThrow(new TypeError('answers.ping is not a message kind'))
  })
})
