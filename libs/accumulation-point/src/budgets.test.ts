import { afterEach, describe, expect, it } from 'vitest'
import { TOPIC_PULL, encode, msg } from '@cycleshare/protocol'
import { PeerBudgets, type BudgetOptions } from './budgets.js'
import { accumulationPointGossip } from './gossip.js'
import { accumulationPointOptions } from './options.js'
import { served, type Served } from './testing/served.js'

const options: BudgetOptions = {
  pullsPerSecond: 10,
  pullBurst: 5,
  overBudgetPullsBeforeDisconnect: 20,
  refusalsBeforeBackoff: 3,
  refusalBackoffMs: 1_000,
  maxRefusalBackoffMs: 4_000
}

function budgets (): { b: PeerBudgets, clock: { now: number }, changes: string[] } {
  const clock = { now: 1_000_000 }
  const changes: string[] = []
  const b = new PeerBudgets(options, () => clock.now, (peer, reason) => changes.push(`${peer}: ${reason ?? 'free'}`))
  return { b, clock, changes }
}

describe('per-peer budgets', () => {
  it('serves a burst, then the rate: a token bucket per peer', () => {
    const { b, clock } = budgets()
    expect(Array.from({ length: 7 }, () => b.pull('p'))).toEqual(['serve', 'serve', 'serve', 'serve', 'serve', 'drop', 'drop'])
    clock.now += 100 // one token back at 10/s
    expect([b.pull('p'), b.pull('p')]).toEqual(['serve', 'drop'])
    // another peer's bucket is its own
    expect(b.pull('q')).toBe('serve')
  })

  it('says why a peer is held back while it is, and tells each change once', () => {
    const { b, clock, changes } = budgets()
    for (let i = 0; i < 8; i++) b.pull('p')
    expect(b.restriction('p')).toBe('pulls over budget (10/s)')
    clock.now += 1_000
    expect(b.restriction('p')).toBeUndefined()
    expect(b.pull('p')).toBe('serve')
    expect(changes).toEqual(['p: pulls over budget (10/s)', 'p: free'])
  })

  it('disconnects a peer that keeps pulling over budget', () => {
    const { b } = budgets()
    const verdicts = Array.from({ length: 30 }, () => b.pull('p'))
    expect(verdicts.slice(0, 5)).toEqual(Array(5).fill('serve'))
    expect(verdicts.indexOf('disconnect')).toBe(5 + 19) // the 20th pull over budget
  })

  it('sets pulls aside after several assigns in a row with nothing taken, doubling up to the maximum', () => {
    const { b, clock } = budgets()
    expect([b.assigned('p', 0), b.assigned('p', 0), b.assigned('p', 0)]).toEqual([undefined, undefined, 1_000])
    expect(b.pull('p')).toBe('drop')
    expect(b.restriction('p')).toBe(`refused 3 assigns in a row: pulls set aside until ${new Date(clock.now + 1_000).toISOString()}`)
    clock.now += 1_000
    expect(b.pull('p')).toBe('serve')
    expect([b.assigned('p', 0), b.assigned('p', 0), b.assigned('p', 0)]).toEqual([undefined, undefined, 2_000])
    clock.now += 2_000
    expect([b.assigned('p', 0), b.assigned('p', 0), b.assigned('p', 0)]).toEqual([undefined, undefined, 4_000])
    clock.now += 4_000
    expect([b.assigned('p', 0), b.assigned('p', 0), b.assigned('p', 0)]).toEqual([undefined, undefined, 4_000]) // the maximum
    // one assign with anything taken starts over
    clock.now += 4_000
    expect(b.assigned('p', 1)).toBeUndefined()
    expect([b.assigned('p', 0), b.assigned('p', 0), b.assigned('p', 0)]).toEqual([undefined, undefined, 1_000])
  })

  it('keeps a back-off across a reconnect, and forgets the rest', () => {
    const { b, clock } = budgets()
    for (let i = 0; i < 3; i++) b.assigned('p', 0)
    b.forget('p')
    expect(b.pull('p')).toBe('drop')
    clock.now += 1_000
    for (let i = 0; i < 5; i++) b.pull('p')
    b.forget('p')
    expect(b.pull('p')).toBe('serve') // a full bucket again
  })

  it('checks its options, naming the bad one', () => {
    expect(() => accumulationPointOptions({ pullsPerSecond: 0 })).toThrow('options.pullsPerSecond must be a positive integer')
    expect(() => accumulationPointOptions({ refusalBackoffMs: 5_000, maxRefusalBackoffMs: 1_000 }))
      .toThrow('options.maxRefusalBackoffMs must be at least options.refusalBackoffMs')
  })
})

describe('the accumulation point under a hostile peer', () => {
  let s: Served
  afterEach(async () => {
    await s.point.stop()
    s.scheduler.close()
  })

  it('makes no worker of a pull relayed from a peer it has no connection to', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    for (let i = 0; i < 200; i++) s.peer.relayedPull(`stranger-${i}`, 4)
    expect(s.peer.assigns.items).toEqual([])
    expect(s.point.workers()).toEqual([])
    // once it connects, it is heard
    s.peer.pull('stranger-0', 4)
    expect(s.peer.assigns.items.map(a => [a.worker, a.leases.length])).toEqual([['stranger-0', 4]])
  })

  it('drops pulls over a peer\'s budget before any scheduling work, shows why, and serves the others', async () => {
    s = await served({}, { pullsPerSecond: 10, pullBurst: 2 })
    s.peer.pull('flooder', 1)
    s.peer.pull('flooder', 1)
    for (let i = 0; i < 50; i++) s.peer.pull('flooder', 1)
    const flooder = s.point.workers().find(w => w.peerId === 'flooder')
    expect(flooder?.throttled).toBe('pulls over budget (10/s)')
    expect(s.logs.items.filter(l => l.message === 'peer held back').map(l => l.fields)).toEqual([{ worker: 'flooder', reason: 'pulls over budget (10/s)' }])
    // Nothing was pending: its first pull within budget left it hungry, and it is fed when work
    // comes; the pulls over budget never reached the scheduler.
    const fed = s.peer.assigns.next()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    expect((await fed).worker).toBe('flooder')
    s.peer.pull('honest', 2)
    expect(s.peer.assigns.items.map(a => [a.worker, a.leases.length])).toEqual([['flooder', 1], ['honest', 2]])
    expect(s.point.workers().find(w => w.peerId === 'honest')?.throttled).toBeUndefined()
  })

  it('gives the chunks a peer keeps refusing to the others while its pulls are set aside', async () => {
    s = await served({}, { refusalsBeforeBackoff: 2, refusalBackoffMs: 5_000 })
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 4 })
    for (let round = 0; round < 2; round++) {
      const next = s.peer.assigns.next()
      s.peer.pull('refuser', 4)
      const assign = await next
      const released = s.nextHeld('refuser')
      assign.answer([], assign.leases.map(l => l.leaseId))
      expect(await released).toBe(0)
    }
    expect(s.logs.items.some(l => l.message === 'worker refused every lease of several assigns in a row; its pulls are set aside')).toBe(true)
    expect(s.point.workers().find(w => w.peerId === 'refuser')?.throttled).toMatch(/^refused 2 assigns in a row: pulls set aside until /)
    s.peer.pull('refuser', 4) // set aside
    s.peer.pull('honest', 4)
    expect(s.peer.assigns.items.slice(2).map(a => [a.worker, a.leases.length])).toEqual([['honest', 4]])
    s.clock.now += 5_000
    s.scheduler.submit({ task: 'sum', params: { n: 10 }, chunks: 1 })
    s.peer.pull('refuser', 1)
    expect(s.peer.assigns.items.slice(3).map(a => a.worker)).toEqual(['refuser'])
  })

  it('disconnects a peer that keeps pulling over its budget, and logs it', async () => {
    s = await served({}, { pullsPerSecond: 1, pullBurst: 1, overBudgetPullsBeforeDisconnect: 10 })
    for (let i = 0; i < 11; i++) s.peer.pull('flooder', 1)
    expect(s.peer.connectedPeers()).toEqual([])
    expect(s.logs.items.filter(l => l.message === 'peer kept pulling over its budget; disconnected').map(l => l.fields)).toEqual([{ worker: 'flooder' }])
    expect(s.point.workers().find(w => w.peerId === 'flooder')?.state).toBe('disconnected')
  })

  it('shows a peer over its byte budget held back, and disconnects it once its streams have been reset three times of late', async () => {
    s = await served()
    s.peer.pull('hog', 1)
    s.peer.overBudget('hog')
    expect(s.point.workers().find(w => w.peerId === 'hog')?.throttled).toBe('sent more unanswered request bytes than its budget')
    s.peer.overBudget('hog')
    expect(s.peer.connectedPeers()).toEqual(['hog'])
    s.peer.overBudget('hog')
    expect(s.peer.connectedPeers()).toEqual([])
    expect(s.logs.items.filter(l => l.message === 'peer kept sending more request bytes than its budget; disconnected').map(l => l.fields)).toEqual([{ worker: 'hog' }])
  })
})

describe('gossip on the pull topic', () => {
  it('accepts well-formed pulls, rejects anything else, and limits each peer to twice its pull budget', () => {
    const topics = accumulationPointGossip({ pullsPerSecond: 50 })
    expect(Object.keys(topics)).toEqual([TOPIC_PULL])
    const { validate, maxMessagesPerSecond } = topics[TOPIC_PULL]
    expect(maxMessagesPerSecond).toBe(100)
    const pull = encode(msg.pull({ slots: 2, tasks: ['sum'], capacity: { threads: 2 } }))
    expect(validate?.(pull, 'p', 'p')).toBe('accept')
    expect(validate?.(encode(msg.work({ pending: 1, tasks: ['sum'] })), 'p', 'p')).toBe('reject')
    expect(validate?.(new Uint8Array([0xc1, 1, 2]), 'p', 'p')).toBe('reject')
  })
})
