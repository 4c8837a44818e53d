import { afterEach, describe, expect, it } from 'vitest'
import { ok } from './testing/fake-tasks.js'
import { outvoteLiar, served, type Served } from './testing/served.js'
import type { WorkerView } from './types.js'

const T0 = '2023-11-14T22:13:20.000Z' // the test clock's start, 1_700_000_000_000

describe('the worker registry', () => {
  let s: Served
  afterEach(async () => {
    await s.point.stop()
    s.scheduler.close()
  })

  /** Every change notified, as the view built at once. */
  function changes (): WorkerView[] {
    const seen: WorkerView[] = []
    s.point.onWorkerChange(view => { seen.push(view()) })
    return seen
  }

  it('shows a worker idle after its pull, working while it holds leases, idle again once it reported them', async () => {
    s = await served()
    s.peer.pull('w1', 3, ['sum'], 4)
    expect(s.point.workers()).toEqual([{
      peerId: 'w1', threads: 4, tasks: ['sum'], state: 'idle', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 0, credit: 0, lastSeen: T0
    }])

    const seen = changes()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const assign = await s.peer.assigns.next()
    expect(seen.map(v => v.state)).toEqual(['working'])
    assign.acceptAll()

    s.clock.now += 1_000
    await s.peer.report('w1', assign.leases.map(l => ok(l)))
    expect(seen.map(v => v.state)).toEqual(['working', 'idle'])
    expect(s.point.workers()).toEqual([{
      peerId: 'w1', threads: 4, tasks: ['sum'], state: 'idle', chunksDone: 3, chunksFailed: 0, valid: 0, invalid: 0, credit: 0, lastSeen: '2023-11-14T22:13:21.000Z'
    }])
  })

  it('shows a worker whose leases expired as idle, and says so (no count of its own to drift)', async () => {
    s = await served({ leaseTtlMs: 10_000 })
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('w1', 2)
    s.peer.assigns.items[0].acceptAll()
    expect(s.point.workers()[0].state).toBe('working')

    const seen = changes()
    s.clock.now += 10_001
    expect(s.scheduler.expire()).toBe(2)
    expect(seen.map(v => [v.peerId, v.state])).toEqual([['w1', 'idle']])
    expect(s.point.workers()[0].state).toBe('idle')
  })

  it('shows a worker disconnected when its connection closes, and back when it pulls again', async () => {
    s = await served()
    s.peer.pull('w1', 2)
    const seen = changes()
    s.peer.disconnect('w1')
    s.peer.disconnect('stranger')
    expect(seen.map(v => [v.peerId, v.state])).toEqual([['w1', 'disconnected']])
    expect(s.point.workers()[0].state).toBe('disconnected')
    s.peer.pull('w1', 2)
    expect(s.point.workers()[0].state).toBe('idle')
  })

  it('shows an excluded worker as excluded, with why and its record', async () => {
    s = await served({ excludeAfterInvalid: 1 })
    await outvoteLiar(s)
    const views = new Map(s.point.workers().map(v => [v.peerId, v]))
    expect(views.get('liar')).toEqual({
      peerId: 'liar', threads: 2, tasks: ['sum'], state: 'excluded', chunksDone: 0, chunksFailed: 0, valid: 0, invalid: 1, credit: 0, excluded: 'outvoted 1 times', lastSeen: T0
    })
    expect(views.get('honest')).toMatchObject({ state: 'working', chunksDone: 1, invalid: 0 })
  })

  it('lists the workers heard from since start, most recently seen first; with all, those on the record too, seen when their last result came', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const [grant] = s.scheduler.lease('earlier', 1)
    s.scheduler.complete('earlier', [ok(grant)])
    s.peer.pull('w1', 1, ['other'])
    s.clock.now += 5_000
    s.peer.pull('w2', 1, ['other'])
    expect(s.point.workers().map(v => [v.peerId, v.state, v.chunksDone, v.lastSeen])).toEqual([
      ['w2', 'idle', 0, '2023-11-14T22:13:25.000Z'],
      ['w1', 'idle', 0, T0]
    ])
    expect(s.point.workers({ all: true }).map(v => [v.peerId, v.state, v.chunksDone, v.lastSeen])).toEqual([
      ['w2', 'idle', 0, '2023-11-14T22:13:25.000Z'],
      ['w1', 'idle', 0, T0],
      ['earlier', 'disconnected', 1, T0]
    ])
  })

  it('forgets a worker neither connected nor heard from for forgetWorkersAfterMs; its record and credit stay', async () => {
    s = await served({}, { forgetWorkersAfterMs: 60_000 })
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('gone', 1)
    const assign = s.peer.assigns.items[0]
    assign.acceptAll()
    await s.peer.report('gone', assign.leases.map(l => ok(l)))
    s.peer.pull('stays', 1, ['other'])
    await s.peer.disconnect('gone')
    s.clock.now += 59_999
    expect(s.point.workers().map(v => [v.peerId, v.state])).toEqual([['gone', 'disconnected'], ['stays', 'idle']])
    s.clock.now += 1
    // Still connected, 'stays' is listed however long ago it last spoke.
    expect(s.point.workers().map(v => v.peerId)).toEqual(['stays'])
    expect(s.point.workers({ all: true }).map(v => [v.peerId, v.state, v.chunksDone, v.lastSeen])).toEqual([
      ['stays', 'idle', 0, T0],
      ['gone', 'disconnected', 1, T0]
    ])
  })

  it('notifies only of workers it has heard from, and only while subscribed; a request updates lastSeen quietly', async () => {
    s = await served()
    const seen: string[] = []
    const off = s.point.onWorkerChange(view => { seen.push(view().peerId) })
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.scheduler.lease('unheard', 1)
    s.peer.pull('w1', 1, ['other'])
    s.clock.now += 2_000
    await s.peer.renew('w1', [])
    expect(seen).toEqual(['w1'])
    expect(s.point.workers().find(v => v.peerId === 'w1')?.lastSeen).toBe('2023-11-14T22:13:22.000Z')
    off()
    s.peer.pull('w1', 1, ['other'])
    expect(seen).toEqual(['w1'])
  })
})
