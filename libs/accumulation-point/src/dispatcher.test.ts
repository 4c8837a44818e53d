import { afterEach, describe, expect, it, vi } from 'vitest'
import { ok } from './testing/fake-tasks.js'
import { outvoteLiar, served, type Served } from './testing/served.js'

describe('the dispatcher: where a pull turns into an assign', () => {
  let s: Served
  afterEach(async () => {
    await s.point.stop()
    s.scheduler.close()
  })

  it('answers a pull with one assign of up to `slots` leases, held by the puller', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('w1', 3)
    expect(s.peer.assigns.items).toHaveLength(1)
    const [assign] = s.peer.assigns.items
    expect(assign.worker).toBe('w1')
    expect(assign.leases.map(l => [l.index, l.input])).toEqual([[0, { from: 1, to: 10 }], [1, { from: 11, to: 20 }], [2, { from: 21, to: 30 }]])
    expect(s.scheduler.held('w1')).toBe(3)
    assign.acceptAll()
    expect(await s.peer.report('w1', assign.leases.map(l => ok(l)))).toMatchObject({ kind: 'reported', accepted: assign.leases.map(l => l.leaseId) })
    expect(s.scheduler.held('w1')).toBe(0)
  })

  it('keeps one assign in flight per worker: the newest pull meanwhile is kept and served after it', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 1_000 }, chunks: 100 }) // far more than either's share takes
    s.peer.pull('w1', 2)
    s.peer.pull('w1', 1)
    s.peer.pull('w1', 4)
    expect(s.peer.assigns.items).toHaveLength(1)
    expect(s.scheduler.held('w1')).toBe(2)

    // Another worker is not held up by w1's assign.
    s.peer.pull('w2', 1)
    expect(s.peer.assigns.items.map(a => [a.worker, a.leases.length])).toEqual([['w1', 2], ['w2', 1]])

    const next = s.peer.assigns.next()
    s.peer.assigns.items[0].acceptAll()
    const second = await next
    expect([second.worker, second.leases.length]).toEqual(['w1', 4])
    expect(s.scheduler.held('w1')).toBe(6)
    second.acceptAll()
  })

  it('deals each worker its share of a job by threads: a 6-chunk job to a 2-thread and a 1-thread worker goes 4 and 2', async () => {
    s = await served()
    // Both have pulled (for nothing yet): both share the job to come.
    s.peer.pull('w1', 8, ['sum'], 2)
    s.peer.pull('w2', 8, ['sum'], 1)
    expect(s.point.workers().map(w => w.peerId).sort()).toEqual(['w1', 'w2'])
    s.scheduler.submit({ task: 'sum', params: { n: 60 }, chunks: 6 })
    await vi.waitFor(() => { expect(s.peer.assigns.items).toHaveLength(2) })
    expect(s.peer.assigns.items.map(a => [a.worker, a.leases.length]).sort()).toEqual([['w1', 4], ['w2', 2]])
    // Each holding its share, a pull with slots to spare takes nothing more.
    for (const a of s.peer.assigns.items) a.acceptAll()
    await vi.waitFor(() => { expect(s.scheduler.held('w2')).toBe(2) })
    // Two pulls taken, each finding nothing when it came; both served when work arrived.
    expect(s.point.dispatchStats()).toEqual({ pulls: 2, emptyPulls: 2, assigns: 2, leases: 6 })
    s.peer.pull('w2', 8, ['sum'], 1)
    expect(s.peer.assigns.items).toHaveLength(2)
  })

  it('serves a hungry worker at once when work arrives, before announcing it to everyone', async () => {
    s = await served()
    s.peer.pull('w1', 4)
    expect(s.peer.assigns.items).toEqual([])

    const assigned = s.peer.assigns.next()
    const announced = s.peer.announcements.next()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    const assign = await assigned
    expect([assign.worker, assign.leases.length]).toEqual(['w1', 4])
    expect(s.peer.announcements.items).toEqual([])
    expect(await announced).toMatchObject({ kind: 'work', pending: 6, tasks: ['sum'] })
    assign.acceptAll()
  })

  it('serves a hungry worker only with the tasks it pulled for, and forgets it when it disconnects', async () => {
    s = await served()
    s.peer.pull('w1', 4, ['other'])
    s.peer.pull('w2', 4)
    s.peer.disconnect('w2')
    const announced = s.peer.announcements.next()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    expect(await announced).toMatchObject({ pending: 10 })
    expect(s.peer.assigns.items).toEqual([])
  })

  it('releases the leases a worker refuses or leaves unnamed, at once', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('w1', 4)
    const [assign] = s.peer.assigns.items
    const [a, b, c] = assign.leases.map(l => l.leaseId)
    const held = s.nextHeld('w1')
    assign.answer([a, b], [c])
    expect(await held).toBe(2)
    expect(s.scheduler.pending().pending).toBe(8)
  })

  it('releases every lease of an assign that fails, and logs it', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('w1', 4)
    const held = s.nextHeld('w1')
    s.peer.assigns.items[0].fail(new Error('stream reset'))
    expect(await held).toBe(0)
    expect(s.scheduler.pending().pending).toBe(10)
    expect(s.logs.items).toContainEqual({ level: 'warn', message: 'assign failed; leases released', fields: { worker: 'w1', err: 'stream reset', leases: 4 } })
  })

  it('ignores the pulls of an excluded worker', async () => {
    s = await served({ excludeAfterInvalid: 1 })
    await outvoteLiar(s)
    expect(s.scheduler.exclusion('liar')).toBe('outvoted 1 times')

    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('liar', 4)
    expect(s.peer.assigns.items).toHaveLength(2)
    expect(s.scheduler.held('liar')).toBe(0)
    s.peer.pull('honest', 4)
    expect(s.peer.assigns.items.map(a => [a.worker, a.leases.length])).toEqual([['honest', 2], ['liar', 2], ['honest', 4]])
    s.peer.assigns.items[2].acceptAll()
  })

  it('takes no pulls once stopped, and drops the pull kept for after an assign in flight', async () => {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('w1', 2)
    s.peer.pull('w1', 2)
    await s.point.stop()
    expect(s.peer.subscribers('cycleshare/1/pull')).toBe(0)
    const held = s.nextHeld('w1')
    s.peer.assigns.items[0].answer([], s.peer.assigns.items[0].leases.map(l => l.leaseId))
    expect(await held).toBe(0)
    expect(s.peer.assigns.items).toHaveLength(1)
  })
})
