/**
 * The runtime working for two accumulation points at once, over a peer and a pool faked in this
 * process: no network, no threads. Each run waits until the test finishes it.
 */
import { describe, expect, it, vi } from 'vitest'
import { createResponder, type FrameHandler, type Peer, type RpcCalls, type RpcHandlers, type RpcProtocol, type ServeOptions, type TopicHandler } from '@cycleshare/peer'
import {
  groupTopics, PROTOCOL_WORKER, TOPIC_WORK, decode, decodeResponse, encode, msg,
  type AssignedMessage, type Lease, type Message
} from '@cycleshare/protocol'
import { getTask, taskNames } from '@cycleshare/tasks'
import { createWorkerRuntime } from './runtime.js'
import { manualIdle, manualPool, recordingLog } from './testing/fakes.js'
import type { WorkerRuntime } from './types.js'

const A = '12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'
const B = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const C = '12D3KooWCsb17z8AhM5QyxfaBy3hSRbe9KLoqcH3hJK1pHH3NUqF'
const stranger = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

// Chunks of 50 ms or more (the first guess) run one at a time.
const lease = (leaseId: string, index = 0): Lease =>
  ({ leaseId, jobId: 'j', index, attempt: 1, epoch: 1, task: 'primes', input: { from: index, to: index + 1 }, ttlMs: 30_000 })

interface Sent { to: string, message: Message }

function fakePeer (): { peer: Peer, sent: Sent[], pulls: Message[], pullTopics: string[], subscribed: () => string[], order: string[], ask: (from: string, m: Message) => Promise<Message>, gossip: (topic: string, from: string, m: Message) => void } {
  const served = new Map<string, FrameHandler>()
  const topics = new Map<string, TopicHandler>()
  const sent: Sent[] = []
  const pulls: Message[] = []
  const pullTopics: string[] = []
  /** Pulls and reports in the order they left: `pull`, or `report a1 a2`. */
  const order: string[] = []
  const peer = {
    peerId: '12D3KooWCsb17z8AhM5QyxfaBy3hSRbe9KLoqcH3hJK1pHH3NUqE',
    multiaddrs: () => ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWCsb17z8AhM5QyxfaBy3hSRbe9KLoqcH3hJK1pHH3NUqE'],
    serve: async <Calls extends RpcCalls>(rpc: RpcProtocol<Calls>, handlers: RpcHandlers<Calls>, options?: ServeOptions) => {
      served.set(rpc.protocol, createResponder(rpc, handlers, options))
    },
    subscribe: (topic: string, handler: TopicHandler) => { topics.set(topic, handler); return () => { topics.delete(topic) } },
    publish: async (topic: string, data: Uint8Array) => { pulls.push(decode(data)); pullTopics.push(topic); order.push('pull') },
    topicPeers: () => [A, B],
    on: () => () => {},
    connectedPeers: () => [A, B],
    call: async <Calls extends RpcCalls>(to: string, rpc: RpcProtocol<Calls>, request: { kind: string }) => {
      const call = rpc.calls[request.kind]
      const message = decode(call.encodeRequest(request))
      sent.push({ to, message })
      if (message.kind === 'report') order.push(`report ${message.results.map(r => r.leaseId).join(' ')}`)
      const answer = (): Message => {
        switch (message.kind) {
          case 'report': return msg.reported(message.results.map(r => r.leaseId), [])
          case 'renew': return msg.renewed(message.leaseIds, 30_000, [])
          case 'release': return msg.released(message.leaseIds)
          default: throw new Error(`unexpected ${message.kind}`)
        }
      }
      return call.decodeAnswer(encode(answer()))
    }
  }
  return {
    peer: peer as unknown as Peer,
    sent,
    pulls,
    pullTopics,
    subscribed: () => [...topics.keys()].sort(),
    order,
    ask: async (from, m) => decode(await served.get(PROTOCOL_WORKER)!(encode(m), from)),
    gossip: (topic, from, m) => { topics.get(topic)?.(encode(m), from) }
  }
}

const alwaysIdle = manualIdle()

async function twoPoints (): Promise<{ runtime: WorkerRuntime, net: ReturnType<typeof fakePeer>, pool: ReturnType<typeof manualPool>, log: ReturnType<typeof recordingLog> }> {
  const net = fakePeer()
  const pool = manualPool(1)
  const log = recordingLog()
  // One thread, prefetch 4: capacity 1 + 4 = 5 while no chunk's pace is known, over both accumulation points.
  const runtime = createWorkerRuntime({ peer: net.peer, pool, idle: alwaysIdle, log }, { accumulationPoints: [A, B], prefetch: 4 })
  await runtime.start()
  return { runtime, net, pool, log }
}

const assigned = (m: Message): AssignedMessage => decodeResponse(encode(m), 'assigned')

describe('worker runtime with two accumulation points', () => {
  it('shares one capacity between them and refuses an assign beyond it', async () => {
    const { runtime, net } = await twoPoints()
    expect(runtime.capacity).toBe(5)
    // One pull, heard by both: each is offered an equal part of the free slots, ⌊5 / 2⌋.
    // Without a blob store, the tasks that read blobs are left out of the pull.
    expect(net.pulls).toEqual([msg.pull({ slots: 2, tasks: taskNames().filter(t => getTask(t).reads === undefined), capacity: { threads: 1 }, addrs: ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWCsb17z8AhM5QyxfaBy3hSRbe9KLoqcH3hJK1pHH3NUqE'] })])
    const fromA = assigned(await net.ask(A, msg.assign([lease('a1'), lease('a2'), lease('a3')])))
    expect(fromA).toMatchObject({ accepted: ['a1', 'a2', 'a3'], refused: [] })
    // The same lease id from another accumulation point is another lease.
    const fromB = assigned(await net.ask(B, msg.assign([lease('a1'), lease('b2'), lease('b3'), lease('b4')])))
    expect(fromB).toMatchObject({ accepted: ['a1', 'b2'], refused: ['b3', 'b4'] })
    expect(runtime.held).toBe(5)
    // Sent again: held already, so accepted, and nothing more is taken.
    expect(assigned(await net.ask(A, msg.assign([lease('a1')])))).toMatchObject({ accepted: ['a1'], refused: [] })
    expect(runtime.held).toBe(5)
    await runtime.stop()
  })

  it('hears work and pulls on a peer group\'s own topics when given them', async () => {
    const net = fakePeer()
    const runtime = createWorkerRuntime({ peer: net.peer, pool: manualPool(1), idle: alwaysIdle, log: recordingLog() }, { accumulationPoints: [A], topics: groupTopics('lab') })
    await runtime.start()
    expect(net.subscribed()).toEqual(['cycleshare/1/group/lab/pull', 'cycleshare/1/group/lab/work'])
    expect(net.pullTopics).toEqual(['cycleshare/1/group/lab/pull'])
    // Not told to work for whoever announces work: a stranger's announcement changes nothing.
    net.gossip('cycleshare/1/group/lab/work', C, msg.work({ pending: 3, tasks: ['primes'] }))
    expect(runtime.accumulationPoints).toEqual([A])
    await runtime.stop()

    const member = fakePeer()
    const groupRuntime = createWorkerRuntime({ peer: member.peer, pool: manualPool(1), idle: alwaysIdle, log: recordingLog() }, { topics: groupTopics('lab'), workForAnnouncers: true })
    await groupRuntime.start()
    member.gossip('cycleshare/1/group/lab/work', C, msg.work({ pending: 3, tasks: ['primes'] }))
    expect(groupRuntime.accumulationPoints).toEqual([C])
    // An assign from it is now taken.
    expect(assigned(await member.ask(C, msg.assign([lease('c1')])))).toMatchObject({ accepted: ['c1'] })
    await groupRuntime.stop()
    expect(() => createWorkerRuntime({ peer: net.peer, pool: manualPool(1), idle: alwaysIdle, log: recordingLog() }, { topics: { work: 'w', pull: '' } }))
      .toThrow('options.topics must name two different gossip topics, work and pull')
  })

  it('refuses a chunk that reads a blob when it keeps no blobs', async () => {
    const { runtime, net } = await twoPoints()
    const blobChunk = { ...lease('w1'), task: 'wordcount', input: { blob: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', size: 100, start: 0, end: 100 } }
    expect(assigned(await net.ask(A, msg.assign([blobChunk, lease('a1')])))).toMatchObject({ accepted: ['a1'], refused: ['w1'] })
    await runtime.stop()
  })

  it('holds a job\'s chunks at its own pace: a new job\'s as few as while no pace is known, not at the pace of the tiny chunks run before', async () => {
    const { runtime, net, pool } = await twoPoints()
    const of = (jobId: string, n: number, from = 0): Lease[] => Array.from({ length: n }, (_, i) => ({ ...lease(`${jobId}${i + from}`, i), jobId }))
    // Job t's chunks take about nothing: once one has run, the worker holds many of them.
    await net.ask(A, msg.assign(of('t', 1)))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) }, { interval: 1 }) // the run ends ~1 ms after it starts
    pool.runs[0].finish()
    await vi.waitFor(() => { expect(runtime.held).toBe(0) })
    // More than the 5 a job of unknown pace gets (about 500 ms of them: all 20 unless the machine is slow).
    const tiny = assigned(await net.ask(A, msg.assign(of('t', 20, 1)))).accepted
    expect(tiny.length).toBeGreaterThan(5)
    await net.ask(A, msg.cancel(tiny))
    expect(runtime.held).toBe(0)
    // Job k has never run here: its pace is unknown, 5 are held, whatever t's pace.
    expect(runtime.capacity).toBe(5)
    const answer = assigned(await net.ask(A, msg.assign(of('k', 20))))
    expect([answer.accepted.length, answer.refused.length]).toEqual([5, 15])
    await runtime.stop()
  })

  it('pulls again, smaller, when a pull still waiting offered more than it wants now: a job of tiny chunks ended, and the next one\'s pace is unknown', async () => {
    const { runtime, net, pool } = await twoPoints()
    const of = (jobId: string, n: number, from = 0): Lease[] => Array.from({ length: n }, (_, i) => ({ ...lease(`${jobId}${i + from}`, i), jobId }))
    await net.ask(A, msg.assign(of('t', 1)))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) }, { interval: 1 })
    pool.runs[0].finish()
    await vi.waitFor(() => { expect(runtime.held).toBe(0) })
    const tiny = assigned(await net.ask(A, msg.assign(of('t', 40, 1)))).accepted
    expect(tiny.length).toBeGreaterThan(10)
    // Its runs end one after another; once half its capacity is free it pulls for the rest, at t's pace.
    // (a run may carry several tiny chunks)
    for (let finished = 1; runtime.held > 0; finished++) {
      await vi.waitFor(() => { expect(pool.runs.length > finished || runtime.held === 0).toBe(true) }, { interval: 1 })
      pool.runs[finished]?.finish()
      await new Promise(resolve => setImmediate(resolve))
    }
    const slots = net.pulls.map(p => (p as { slots: number }).slots)
    // Nothing is held now: a job dealt next has an unknown pace, so it wants 5 over two
    // accumulation points (2 each), and says so at once rather than after the 250 ms backoff.
    const bigger = slots.findIndex(n => n > 2)
    expect(bigger).toBeGreaterThanOrEqual(0)
    await vi.waitFor(() => { expect(net.pulls.map(p => (p as { slots: number }).slots).at(-1)).toBe(2) }, { timeout: 200 })
    await runtime.stop()
  })

  it('sends the results it holds before it pulls, not after its report window', async () => {
    const { runtime, net, pool } = await twoPoints()
    await net.ask(A, msg.assign([lease('a1', 1), lease('a2', 2), lease('a3', 3)]))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) })
    pool.runs[0].finish() // the first result goes at once
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(2) })
    // The pull that a1's end made due went once a1's report was answered.
    await vi.waitFor(() => { expect(net.order.slice(0, 3)).toEqual(['pull', 'report a1', 'pull']) })
    // a2 finishes inside the 1 s report window, with a3 still to run: it would wait for more, but
    // the next pull (when one goes unanswered for 250 ms) takes it along first.
    const mark = net.order.length
    pool.runs[1].finish()
    await vi.waitFor(() => { expect(net.order.indexOf('pull', mark)).toBeGreaterThan(0) }, { timeout: 900 })
    expect(net.order.slice(mark, net.order.indexOf('pull', mark))).toEqual(['report a2'])
    await runtime.stop()
  })

  it('refuses requests from a peer it does not work for, and ignores its gossip', async () => {
    const { runtime, net } = await twoPoints()
    const answer = await net.ask(stranger, msg.assign([lease('x')]))
    expect(answer).toMatchObject({ kind: 'error', message: `peer ${stranger} is not this worker's coordinator` })
    expect(await net.ask(stranger, msg.cancel(['x']))).toMatchObject({ kind: 'error' })
    const pulls = net.pulls.length
    net.gossip(TOPIC_WORK, stranger, msg.work({ pending: 5, tasks: ['primes'] }))
    expect(net.pulls).toHaveLength(pulls)
    expect(runtime.held).toBe(0)
    await runtime.stop()
  })

  it('gives free threads to each accumulation point in turn and reports each result to where it came from', async () => {
    const { runtime, net, pool } = await twoPoints()
    await net.ask(A, msg.assign([lease('a1', 1), lease('a2', 2)]))
    await net.ask(B, msg.assign([lease('b1', 11), lease('b2', 12)]))
    const order: unknown[] = []
    for (let i = 0; i < 4; i++) {
      await vi.waitFor(() => { expect(pool.runs).toHaveLength(i + 1) })
      order.push(pool.runs[i].input)
      pool.runs[i].finish()
    }
    expect(order).toEqual([{ from: 1, to: 2 }, { from: 11, to: 12 }, { from: 2, to: 3 }, { from: 12, to: 13 }])
    await vi.waitFor(() => { expect(runtime.held).toBe(0) })
    await runtime.stop()
    const reported = (to: string): string[] => net.sent.filter(s => s.to === to && s.message.kind === 'report')
      .flatMap(s => s.message.kind === 'report' ? s.message.results.map(r => r.leaseId) : [])
    expect(reported(A).sort()).toEqual(['a1', 'a2'])
    expect(reported(B).sort()).toEqual(['b1', 'b2'])
  })

  it('cancels only the named accumulation point\'s lease, even when the other holds the same id', async () => {
    const { runtime, net, pool, log } = await twoPoints()
    await net.ask(A, msg.assign([lease('same', 1)]))
    await net.ask(B, msg.assign([lease('same', 2)]))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) })
    expect(await net.ask(B, msg.cancel(['same', 'unknown']))).toMatchObject({ kind: 'cancelled', cancelled: ['same'] })
    expect(log.lines).toContainEqual(['leases cancelled', { from: B, leases: 1 }])
    expect(runtime.held).toBe(1)
    pool.runs[0].finish()
    await vi.waitFor(() => { expect(net.sent.some(s => s.to === A && s.message.kind === 'report')).toBe(true) })
    expect(net.sent.filter(s => s.to === B)).toEqual([])
    await runtime.stop()
  })

  it('on stop, gives each accumulation point back its own unfinished leases', async () => {
    const { runtime, net, pool, log } = await twoPoints()
    await net.ask(A, msg.assign([lease('a1'), lease('a2')]))
    await net.ask(B, msg.assign([lease('b1')]))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) })
    await runtime.stop()
    const released = net.sent.filter(s => s.message.kind === 'release').map(s => [s.to, s.message])
    expect(released).toEqual(expect.arrayContaining([[A, msg.release(['a1', 'a2'])], [B, msg.release(['b1'])]]))
    expect(released).toHaveLength(2)
    expect(log.lines).toContainEqual(['worker stopped', { handedOff: 0, released: 3, unreported: 0, chunksDone: 0 }])
  })

  it('on stop, gives back with each running lease its latest checkpoint', async () => {
    const { runtime, net, pool } = await twoPoints()
    await net.ask(A, msg.assign([lease('a1', 1), lease('a2', 2)]))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) })
    pool.runs[0].checkpoint({ last: 5, count: 2 })
    pool.runs[0].checkpoint({ last: 9, count: 3 })
    await runtime.stop()
    expect(net.sent.filter(s => s.message.kind === 'release')).toEqual([
      { to: A, message: msg.release(['a1', 'a2'], [{ leaseId: 'a1', state: { last: 9, count: 3 } }]) }
    ])
  })

  it('runs a lease from its resume state, and from the beginning when the task refuses it, reporting the output', async () => {
    const { runtime, net, pool, log } = await twoPoints()
    await net.ask(A, msg.assign([{ ...lease('r1', 3), resume: { last: 0, count: 99 } }]))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) })
    expect(pool.runs[0].resume).toEqual({ last: 0, count: 99 })
    pool.runs[0].fail(Object.assign(new Error('checkpoint.count must be an integer from 0 to 0'), { name: 'InvalidCheckpointError' }))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(2) })
    expect(pool.runs[1]).toMatchObject({ input: { from: 3, to: 4 }, resume: undefined })
    pool.runs[1].finish()
    await vi.waitFor(() => { expect(runtime.held).toBe(0) })
    await runtime.stop()
    expect(net.sent.filter(s => s.message.kind === 'report')).toEqual([{ to: A, message: msg.report([msg.ok('r1', { count: 1 })]) }])
    expect(log.lines).toContainEqual(['chunk resumed from a checkpoint', { leaseId: 'r1', state: { last: 0, count: 99 } }])
    expect(log.lines).toContainEqual(['checkpoint refused by the task; chunk runs from the beginning', {
      leaseId: 'r1', task: 'primes', err: 'checkpoint.count must be an integer from 0 to 0'
    }])
  })

  it('forgets a checkpoint from a run its lease has left, even when a lease with the same id runs now', async () => {
    const { runtime, net, pool } = await twoPoints()
    await net.ask(A, msg.assign([lease('a1', 1)]))
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(1) })
    await net.ask(A, msg.cancel(['a1']))
    pool.runs[0].checkpoint({ last: 5, count: 2 })
    await net.ask(A, msg.assign([lease('a1', 1)])) // the same id again: a new lease, with nothing to go on from
    await vi.waitFor(() => { expect(pool.runs).toHaveLength(2) })
    pool.runs[0].checkpoint({ last: 7, count: 3 })
    await runtime.stop()
    expect(net.sent.filter(s => s.message.kind === 'release').map(s => s.message)).toEqual([msg.release(['a1'])])
  })

  it('adds and removes accumulation points while running', async () => {
    const { runtime, net } = await twoPoints()
    await net.ask(B, msg.assign([lease('b1')]))
    runtime.addAccumulationPoint(stranger)
    expect(runtime.accumulationPoints).toEqual([A, B, stranger])
    expect(assigned(await net.ask(stranger, msg.assign([lease('s1')])))).toMatchObject({ accepted: ['s1'] })
    await runtime.removeAccumulationPoint(B)
    expect(runtime.accumulationPoints).toEqual([A, stranger])
    expect(net.sent.filter(s => s.to === B).map(s => s.message)).toEqual([msg.release(['b1'])])
    expect(await net.ask(B, msg.assign([lease('b2')]))).toMatchObject({ kind: 'error' })
    expect(() => { runtime.addAccumulationPoint('not a peer id') }).toThrow('peerId must be a peer id')
    await runtime.stop()
  })

  it('checks its options, naming the one that is wrong', () => {
    const { peer } = fakePeer()
    const components = { peer, pool: manualPool(2), idle: alwaysIdle, log: recordingLog() }
    expect(() => createWorkerRuntime(components, { accumulationPoints: [A, A] })).toThrow(`options.accumulationPoints lists ${A} twice`)
    expect(() => createWorkerRuntime(components, { accumulationPoints: ['/ip4/1.2.3.4'] })).toThrow('options.accumulationPoints[0] must be a peer id')
    expect(() => createWorkerRuntime(components, { threads: 3 })).toThrow('options.threads is 3 but the pool given has 2 threads')
    expect(() => createWorkerRuntime(components, { maxCpu: 0 })).toThrow('options.maxCpu must be from 1 to 100, got 0')
    expect(() => createWorkerRuntime(components, { prefetch: 1.5 })).toThrow('options.prefetch must be an integer')
  })
})
