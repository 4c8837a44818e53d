import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  InvalidFieldError, PROTOCOL_COORDINATOR, decode, encode, msg,
  type ChunkResult, type Lease, type Message
} from '@cycleshare/protocol'
import { createLink, type LinkPeer } from './link.js'
import { LeaseState } from './lease-book.js'
import type { Logger } from './logger.js'

const point = '12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'
const lease = (leaseId: string): Lease =>
  ({ leaseId, jobId: 'j', index: 0, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 10 }, ttlMs: 3_000 })
const ok = (leaseId: string): ChunkResult => msg.ok(leaseId, { count: 4 })

interface Call { to: string, protocol: string, message: Message }

/** A peer whose calls are answered by `answer` in this process, as bytes: no network. */
function fakePeer (answer: (m: Message) => Message | Promise<Message>): { peer: LinkPeer, calls: Call[] } {
  const calls: Call[] = []
  const peer: LinkPeer = {
    call: async (to, rpc, request) => {
      const call = rpc.calls[request.kind]
      const message = decode(call.encodeRequest(request))
      calls.push({ to, protocol: rpc.protocol, message })
      return call.decodeAnswer(encode(await answer(message)))
    },
    serve: async () => {},
    subscribe: () => () => {},
    publish: async () => {},
    topicPeers: () => []
  }
  return { peer, calls }
}

function recordingLog (): Logger & { lines: Array<[string, Record<string, unknown>]> } {
  const lines: Array<[string, Record<string, unknown>]> = []
  const at = (level: string) => (fields: Record<string, unknown>, message: string): void => { lines.push([`${level}: ${message}`, fields]) }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

const neverLost = (): void => { throw new Error('nothing should be lost') }

describe('link', () => {
  afterEach(() => { vi.useRealTimers() })

  it('waits 250 ms for an answer to a pull, doubling up to 5 s, and starts over once answered', () => {
    vi.useFakeTimers()
    const link = createLink({ peer: fakePeer(() => msg.released([])).peer, log: recordingLog(), lost: neverLost }, { peerId: point })
    const waits: number[] = []
    let sentAt = 0
    const retry = (): void => { waits.push(Date.now() - sentAt) }
    for (let i = 0; i < 7; i++) {
      sentAt = Date.now()
      link.pullSent(retry)
      expect(link.pullPending).toBe(true)
      vi.advanceTimersByTime(10_000)
      expect(link.pullPending).toBe(false)
    }
    expect(waits).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000])

    link.pullAnswered()
    sentAt = Date.now()
    link.pullSent(retry)
    vi.advanceTimersByTime(249)
    expect(waits).toHaveLength(7)
    link.pullAnswered() // an assign or a `work` announcement came: no retry
    expect(link.pullPending).toBe(false)
    vi.advanceTimersByTime(10_000)
    expect(waits).toHaveLength(7)
    link.stop()
  })

  it('reports to its own accumulation point and forgets results once answered for', async () => {
    const { peer, calls } = fakePeer((m) => {
      if (m.kind !== 'report') throw new Error(`unexpected ${m.kind}`)
      const ids = m.results.map(r => r.leaseId)
      return msg.reported(ids.filter(id => id !== 'b'), ids.filter(id => id === 'b').map(leaseId => ({ leaseId, reason: 'the job was cancelled' })))
    })
    const log = recordingLog()
    const link = createLink({ peer, log, lost: neverLost }, { peerId: point })
    for (const id of ['a', 'b']) {
      link.book.accept(lease(id))
      link.book.start(id, { batched: false, abort: () => {} })
      link.book.finish(id)
      link.outbox.add(ok(id))
    }
    expect(link.book.owed).toBe(2)
    expect(await link.outbox.drain(5_000)).toBe(true)
    // The first result goes at once; the second waits for the answer to the first.
    expect(calls.map(c => [c.to, c.protocol, c.message])).toEqual([
      [point, PROTOCOL_COORDINATOR, msg.report([ok('a')])], [point, PROTOCOL_COORDINATOR, msg.report([ok('b')])]
    ])
    expect([link.book.state('a'), link.book.state('b'), link.book.owed]).toEqual([undefined, undefined, 0])
    expect(log.lines).toContainEqual(['warn: result rejected', { leaseId: 'b', reason: 'the job was cancelled' }])
    link.outbox.stop()
  })

  it('splits a batch its accumulation point refuses as a whole, and drops the one result it refuses alone', async () => {
    const { peer, calls } = fakePeer((m) => {
      if (m.kind !== 'report') throw new Error(`unexpected ${m.kind}`)
      if (m.results.some(r => r.leaseId === 'bad')) return msg.error(new InvalidFieldError('results[0].output', 'a valid output'))
      return msg.reported(m.results.map(r => r.leaseId), [])
    })
    const log = recordingLog()
    const link = createLink({ peer, log, lost: neverLost }, { peerId: point })
    expect(await link.report([ok('a'), ok('bad'), ok('c')])).toEqual(['a', 'bad', 'c'])
    expect(calls.map(c => c.message.kind === 'report' ? c.message.results.map(r => r.leaseId) : [])).toEqual([
      ['a', 'bad', 'c'], ['a'], ['bad'], ['c']
    ])
    expect(log.lines.map(l => l[0])).toEqual(['error: result refused by the coordinator; dropped'])
  })

  it('keeps results while its accumulation point is unreachable, and sends them when asked to retry', async () => {
    let reachable = false
    const { peer, calls } = fakePeer((m) => {
      if (!reachable) throw new Error('no route to the accumulation point')
      return msg.reported(m.kind === 'report' ? m.results.map(r => r.leaseId) : [], [])
    })
    const link = createLink({ peer, log: recordingLog(), lost: neverLost }, { peerId: point })
    link.book.accept(lease('a'))
    link.book.start('a', { batched: false, abort: () => {} })
    link.book.finish('a')
    link.outbox.add(ok('a'))
    expect(await link.outbox.drain(50)).toBe(false)
    expect(link.book.state('a')).toBe(LeaseState.Reported)
    reachable = true
    link.outbox.retryNow()
    expect(await link.outbox.drain(5_000)).toBe(true)
    expect(link.book.owed).toBe(0)
    expect(calls).toHaveLength(2) // the failed report, then the one retryNow sent
    link.outbox.stop()
  })

  it('renews and releases with typed calls to its own accumulation point', async () => {
    const { peer, calls } = fakePeer((m) => {
      if (m.kind === 'renew') return msg.renewed(['a'], 9_000, ['b'])
      if (m.kind === 'release') return msg.released(m.leaseIds)
      throw new Error(`unexpected ${m.kind}`)
    })
    const lost: string[][] = []
    const link = createLink({ peer, log: recordingLog(), lost: (l, ids) => { expect(l.peerId).toBe(point); lost.push(ids) } }, { peerId: point })
    expect(await link.renew(['a', 'b'])).toEqual({ ttlMs: 9_000, lost: ['b'], refused: [] })
    expect(await link.renew(['a'], [{ leaseId: 'a', state: { done: 3 } }])).toEqual({ ttlMs: 9_000, lost: ['b'], refused: [] })
    await link.release(['c'], [], AbortSignal.timeout(5_000))
    await link.release(['c', 'd'], [{ leaseId: 'd', state: { done: 2 } }], AbortSignal.timeout(5_000))
    expect(calls.map(c => [c.to, c.message])).toEqual([
      [point, msg.renew(['a', 'b'])],
      [point, msg.renew(['a'], [{ leaseId: 'a', state: { done: 3 } }])],
      [point, msg.release(['c'])],
      [point, msg.release(['c', 'd'], [{ leaseId: 'd', state: { done: 2 } }])]
    ])
    expect(lost).toEqual([]) // a call alone hands nothing back; a renewal round does (below)
  })

  it('renews its unfinished leases every third of their lifetime and hands back the lost ones', async () => {
    vi.useFakeTimers()
    const renewed: string[][] = []
    const { peer } = fakePeer((m) => {
      if (m.kind !== 'renew') throw new Error(`unexpected ${m.kind}`)
      renewed.push(m.leaseIds)
      return msg.renewed(m.leaseIds.filter(id => id !== 'b'), 3_000, m.leaseIds.filter(id => id === 'b'))
    })
    const lost: string[][] = []
    const link = createLink({ peer, log: recordingLog(), lost: (_l, ids) => { lost.push(ids) } }, { peerId: point })
    link.start()
    for (const id of ['a', 'b']) link.book.accept(lease(id))
    link.renewals.noteTtl(3_000) // the first interval (10 s) comes forward to 1 s
    expect(link.renewals.everyMs).toBe(1_000)
    await vi.advanceTimersByTimeAsync(999)
    expect(renewed).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(renewed).toEqual([['a', 'b']])
    expect(lost).toEqual([['b']])
    link.stop()
  })

  it('renews with the checkpoints taken since the last renewal that went through, and sends a refused one no more', async () => {
    vi.useFakeTimers()
    const renewals: Message[] = []
    let reachable = true
    const { peer } = fakePeer((m) => {
      if (m.kind !== 'renew') throw new Error(`unexpected ${m.kind}`)
      if (!reachable) throw new Error('no route to the accumulation point')
      renewals.push(m)
      const refused = (m.checkpoints ?? []).filter(c => c.leaseId === 'b').map(c => ({ leaseId: c.leaseId, reason: 'the state is too large' }))
      return msg.renewed(m.leaseIds, 3_000, [], refused)
    })
    const log = recordingLog()
    const link = createLink({ peer, log, lost: neverLost }, { peerId: point })
    link.start()
    for (const id of ['a', 'b', 'c']) link.book.accept(lease(id))
    for (const id of ['a', 'b']) link.book.start(id, { batched: false, abort: () => {} })
    link.renewals.noteTtl(3_000)
    link.book.checkpoint('a', { done: 1 })
    link.book.checkpoint('b', { done: 1 })
    await vi.advanceTimersByTimeAsync(1_000)
    // Nothing new: neither the one kept nor the one refused goes again.
    await vi.advanceTimersByTimeAsync(1_000)
    link.book.checkpoint('b', { done: 2 })
    await vi.advanceTimersByTimeAsync(1_000)
    // A renewal that does not go through sends nothing: its checkpoints go with the next.
    link.book.checkpoint('a', { done: 3 })
    reachable = false
    await vi.advanceTimersByTimeAsync(1_000)
    reachable = true
    await vi.advanceTimersByTimeAsync(1_000)
    expect(renewals).toEqual([
      msg.renew(['a', 'b', 'c'], [{ leaseId: 'a', state: { done: 1 } }, { leaseId: 'b', state: { done: 1 } }]),
      msg.renew(['a', 'b', 'c']),
      msg.renew(['a', 'b', 'c'], [{ leaseId: 'b', state: { done: 2 } }]),
      msg.renew(['a', 'b', 'c'], [{ leaseId: 'a', state: { done: 3 } }])
    ])
    expect(log.lines).toEqual([
      ['debug: checkpoints sent', { leases: 2, refused: 1 }],
      ['warn: checkpoint refused', { leaseId: 'b', reason: 'the state is too large' }],
      ['debug: checkpoints sent', { leases: 1, refused: 1 }],
      ['warn: checkpoint refused', { leaseId: 'b', reason: 'the state is too large' }],
      ['warn: could not renew leases', { err: 'no route to the accumulation point' }],
      ['debug: checkpoints sent', { leases: 1, refused: 0 }]
    ])
    link.stop()
  })

  it('logs a release that fails: the leases expire on their own', async () => {
    const { peer } = fakePeer(() => { throw new Error('gone') })
    const log = recordingLog()
    const link = createLink({ peer, log, lost: neverLost }, { peerId: point })
    await link.release(['a', 'b'], [], AbortSignal.timeout(5_000))
    expect(log.lines).toEqual([['warn: could not release leases', { leases: 2, err: 'gone' }]])
  })
})
