import { afterEach, describe, expect, it, vi } from 'vitest'
import { groupTopics } from '@cycleshare/protocol'
import { createAccumulationPoint } from './accumulation-point.js'
import { defaultAccumulationPointInit } from './constants.js'
import { FakePeer } from './testing/fake-peer.js'
import { harness } from './testing/fake-tasks.js'
import { served, type Served } from './testing/served.js'

describe('createAccumulationPoint', () => {
  it('checks its components and options up front, naming the bad one', () => {
    const { scheduler } = harness()
    const peer = new FakePeer()
    expect(() => createAccumulationPoint({ peer } as never)).toThrow(new TypeError('components.scheduler is required'))
    expect(() => createAccumulationPoint({ scheduler } as never)).toThrow(new TypeError('components.peer is required'))
    expect(() => createAccumulationPoint({ scheduler, peer, log: 'loud' } as never)).toThrow(new TypeError('components.log must be a function'))
    expect(() => createAccumulationPoint({ scheduler, peer }, null as never)).toThrow(new TypeError('options must be an object'))
    for (const announceIntervalMs of [0, -1, 1.5, Number.NaN, '2000']) {
      expect(() => createAccumulationPoint({ scheduler, peer }, { announceIntervalMs } as never))
        .toThrow(new RangeError('options.announceIntervalMs must be a positive integer'))
    }
    expect(() => createAccumulationPoint({ scheduler, peer }, { announceIntervalMs: undefined })).not.toThrow()
    expect(defaultAccumulationPointInit.announceIntervalMs).toBe(2_000)
    scheduler.close()
  })

  it('subscribes and serves on start, and stops listening on stop; it neither starts nor stops the peer', async () => {
    const { scheduler } = harness()
    const peer = new FakePeer()
    const start = vi.spyOn(peer, 'start')
    const stop = vi.spyOn(peer, 'stop')
    const point = createAccumulationPoint({ scheduler, peer })
    expect(peer.subscribers('cycleshare/1/pull')).toBe(0)
    await point.start()
    await point.start()
    expect(peer.subscribers('cycleshare/1/pull')).toBe(1)
    expect(await peer.renew('w1', [])).toMatchObject({ kind: 'renewed' })
    await point.stop()
    expect(peer.subscribers('cycleshare/1/pull')).toBe(0)
    expect(await peer.renew('w1', [])).toMatchObject({ kind: 'error', name: 'AccumulationPointStoppedError' })
    await point.start()
    expect(await peer.renew('w1', [])).toMatchObject({ kind: 'renewed' })
    await point.stop()
    expect([start.mock.calls.length, stop.mock.calls.length]).toEqual([0, 0])
    scheduler.close()
  })

  it('listens for pulls on a peer group\'s own topic when given one, and on nothing else', async () => {
    const { scheduler } = harness()
    const peer = new FakePeer()
    const point = createAccumulationPoint({ scheduler, peer }, { topics: groupTopics('lab') })
    await point.start()
    expect(peer.subscribers('cycleshare/1/group/lab/pull')).toBe(1)
    expect(peer.subscribers('cycleshare/1/pull')).toBe(0)
    await point.stop()
    expect(() => createAccumulationPoint({ scheduler, peer }, { topics: { work: 'x', pull: 'x' } })).toThrow('options.topics must name two different gossip topics, work and pull')
    scheduler.close()
  })
})

describe('the announcer', () => {
  let s: Served
  afterEach(async () => {
    vi.useRealTimers()
    await s.point.stop()
    s.scheduler.close()
  })

  it('announces a burst of arrivals once, then every interval while work is pending, and nothing after', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    s = await served({}, { announceIntervalMs: 1_000 })
    const announced = s.peer.announcements.next()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 5 })
    expect(await announced).toEqual({ v: 1, kind: 'work', pending: 15, tasks: ['sum'] })

    vi.advanceTimersByTime(1_000)
    expect(s.peer.announcements.items.map(w => w.pending)).toEqual([15, 15])

    s.scheduler.lease('w1', 15)
    vi.advanceTimersByTime(3_000)
    expect(s.peer.announcements.items.map(w => w.pending)).toEqual([15, 15])
  })

  it('stops announcing when stopped, even work that arrived in the same turn', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    s = await served({}, { announceIntervalMs: 1_000 })
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    await s.point.stop()
    vi.advanceTimersByTime(5_000)
    // Immediates run in the order they were queued: the announcement the submission asked for
    // would have run before this one.
    await new Promise(resolve => setImmediate(resolve))
    expect(s.peer.announcements.items).toEqual([])
  })
})
