/** Messages and helpers the decode tests share (decode-rejections.test.ts, decode-limits.test.ts). */
import { encode } from '../codec.js'
import type { Message } from '../messages.js'
/** Encodes anything, valid or not: `encode` does not validate, which is what these tests need. */
export const raw = (value: unknown): Uint8Array => encode(value as Message)

export function thrownBy (fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

export const s = (n: number): string => 'x'.repeat(n)
export const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `L-${i}`)

export const lease = { leaseId: 'L-1', jobId: 'J-1', index: 0, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 10 }, ttlMs: 1000 }
export const work = { v: 1, kind: 'work', pending: 3, tasks: ['primes'] }
export const pull = { v: 1, kind: 'pull', slots: 2, tasks: ['primes'], capacity: { threads: 2 } }
export const assign = { v: 1, kind: 'assign', leases: [lease] }
export const report = { v: 1, kind: 'report', results: [{ leaseId: 'L-1', ok: true, output: { count: 4 } }] }
export const failedResult = { leaseId: 'L-1', ok: false, error: { name: 'Error', message: 'boom' } }
export const reported = { v: 1, kind: 'reported', accepted: ['L-1'], rejected: [{ leaseId: 'L-2', reason: 'unknown lease' }] }
export const renewed = { v: 1, kind: 'renewed', renewed: ['L-1'], ttlMs: 1000, lost: [] }
export const transfer = { leaseId: 'L-1', epoch: 1, from: '12D3KooWGiver', to: '12D3KooWTaker', signature: new Uint8Array(64) }
export const offer = {
  v: 1, kind: 'offer', coordinator: '12D3KooWCoordinator', transfers: [transfer],
  leases: [{ leaseId: 'L-1', jobId: 'J-1', index: 0, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 10 }, ttlMs: 1000 }]
}
export const error = { v: 1, kind: 'error', name: 'Error', message: 'boom' }
export const locate = { v: 1, kind: 'locate', blob: 'bafkreiexample', addrs: ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWTaker'] }
export const located = { v: 1, kind: 'located', manifest: new Uint8Array(48), have: Uint8Array.of(0x80), peers: [{ peerId: '12D3KooWTaker', addrs: [] }] }
export const fetchPieces = { v: 1, kind: 'fetch', blob: 'bafkreiexample', pieces: [0, 1] }
export const piece = { v: 1, kind: 'piece', index: 0, bytes: new Uint8Array(10), have: Uint8Array.of(0x80) }
export const describe = { v: 1, kind: 'describe', task: 'sieve@1.0.0' }
export const described = {
  v: 1, kind: 'described', task: 'sieve@1.0.0', manifest: new TextEncoder().encode('{"name":"sieve"}'), module: 'bafkreiexample', signer: '12D3KooWexample', signature: new Uint8Array(64)
}

/**
 * `{ v: 1, kind: 'report', results: [{ leaseId, ok: true, output: <map 32 of `keys` keys k000000…: 0> }] }`, 9 bytes a key,
 * written by hand: encoding such a map would take seconds.
 */
export function manyKeyReport (keys: number, leaseId = 'L-1'): Uint8Array {
  const head = raw({ v: 1, kind: 'report', results: [{ leaseId, ok: true, output: 0 }] })
  const prefix = head.subarray(0, head.byteLength - 1) // up to the output's value, the trailing 0
  const bytes = new Uint8Array(prefix.byteLength + 5 + keys * 9)
  bytes.set(prefix)
  let at = prefix.byteLength
  bytes[at++] = 0xdf
  new DataView(bytes.buffer).setUint32(at, keys)
  at += 4
  for (let i = 0; i < keys; i++) {
    bytes[at++] = 0xa7
    bytes[at++] = 0x6b // k
    const digits = i.toString().padStart(6, '0')
    for (let d = 0; d < 6; d++) bytes[at++] = digits.charCodeAt(d)
    bytes[at++] = 0
  }
  return bytes
}
