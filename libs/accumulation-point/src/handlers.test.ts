import { encode, msg } from '@cycleshare/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ok, sumUpTo } from './testing/fake-tasks.js'
import { served, type Served } from './testing/served.js'

describe('the request handlers', () => {
  let s: Served
  afterEach(async () => {
    await s.point.stop()
    s.scheduler.close()
  })

  /** A job of 10 `sum` chunks, 3 of them leased to `w1` and accepted. */
  async function leased (): Promise<string[]> {
    s = await served()
    s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull('w1', 3)
    const [assign] = s.peer.assigns.items
    assign.acceptAll()
    return assign.leases.map(l => l.leaseId)
  }

  it('report: accepts the holder\'s results, and rejects another peer\'s without changing anything', async () => {
    const ids = await leased()
    const grants = s.peer.assigns.items[0].leases
    expect(await s.peer.report('w2', [ok(grants[0])])).toEqual({
      v: 1, kind: 'reported', accepted: [], rejected: [{ leaseId: ids[0], reason: 'not the holder of this lease' }]
    })
    expect(s.scheduler.held('w1')).toBe(3)
    expect(await s.peer.report('w1', grants.slice(0, 2).map(l => ok(l)))).toEqual({ v: 1, kind: 'reported', accepted: ids.slice(0, 2), rejected: [] })
    expect(s.scheduler.held('w1')).toBe(1)
  })

  it('renew: extends held leases by the lease lifetime and calls the others lost', async () => {
    const ids = await leased()
    expect(await s.peer.renew('w1', [ids[0], 'nobody'])).toEqual({ v: 1, kind: 'renewed', renewed: [ids[0]], ttlMs: 30_000, lost: ['nobody'] })
    expect(s.logs.items.filter(l => l.level === 'warn')).toEqual([])
  })

  it('renew: keeps the checkpoints of held leases for the next copy, answers which it refused and why, and logs how many', async () => {
    const ids = await leased()
    const [first, , third] = s.peer.assigns.items[0].leases // chunks 0 (1..10), 1 (11..20), 2 (21..30)
    expect(await s.peer.renew('w1', [ids[0], ids[1]], [
      { leaseId: ids[0], state: sumUpTo(first, 4) },
      { leaseId: ids[1], state: { next: 14, partial: 1 } },
      { leaseId: ids[2], state: sumUpTo(third, 23) } // held, but not renewed with it
    ])).toEqual({
      v: 1,
      kind: 'renewed',
      renewed: [ids[0], ids[1]],
      ttlMs: 30_000,
      lost: [],
      refused: [
        { leaseId: ids[1], reason: 'checkpoint.partial must be the sum of 11..13' },
        { leaseId: ids[2], reason: 'not the holder of this lease' }
      ]
    })
    expect(s.logs.items).toContainEqual({ level: 'warn', message: 'refused checkpoints', fields: { worker: 'w1', refused: 2 } })

    s.clock.now += 30_000
    expect(s.scheduler.expire()).toBe(3)
    s.peer.pull('w2', 1)
    expect(s.peer.assigns.items[1].leases.map(l => [l.index, l.attempt, l.resume])).toEqual([[0, 2, { next: 4, partial: 6 }]])
  })

  it('release: makes the leases pending again at once, and logs it', async () => {
    const ids = await leased()
    expect(await s.peer.release('w1', [ids[0], ids[1]])).toEqual({ v: 1, kind: 'released', released: [ids[0], ids[1]] })
    expect(s.scheduler.held('w1')).toBe(1)
    expect(s.scheduler.pending().pending).toBe(9)
    expect(s.logs.items).toContainEqual({ level: 'info', message: 'leases released', fields: { worker: 'w1', released: 2 } })
  })

  it('release: keeps the valid checkpoints of the released leases for the copies reissued after them', async () => {
    const ids = await leased()
    const [first, , third] = s.peer.assigns.items[0].leases
    expect(await s.peer.release('w1', [ids[0], ids[1]], [
      { leaseId: ids[0], state: sumUpTo(first, 3) },
      { leaseId: ids[1], state: { next: 0, partial: 0 } }, // invalid: dropped
      { leaseId: ids[2], state: sumUpTo(third, 25) } // not released: not kept
    ])).toEqual({ v: 1, kind: 'released', released: [ids[0], ids[1]] })
    s.peer.pull('w2', 2)
    const reissued = s.peer.assigns.items[1].leases
    expect(reissued.map(l => [l.index, l.attempt, l.resume])).toEqual([[0, 2, { next: 3, partial: 3 }], [1, 2, undefined]])
    expect('resume' in reissued[1]).toBe(false)
  })

  it('answers bad requests with an error naming what is wrong, and logs them', async () => {
    s = await served()
    expect(await s.peer.send('w1', new Uint8Array([0xc1, 0xff, 0x00]))).toMatchObject({ kind: 'error', name: 'MalformedMessageError' })
    expect(await s.peer.send('w1', encode(msg.assign([])))).toEqual({
      v: 1, kind: 'error', name: 'UnexpectedKindError', message: 'expected report or renew or release but received assign'
    })
    expect(await s.peer.send('w1', encode({ v: 1, kind: 'renew', leaseIds: [42] } as never))).toMatchObject({
      kind: 'error', name: 'InvalidFieldError', message: expect.stringMatching(/^leaseIds\[0\] must be/)
    })
    expect(s.logs.items.map(l => [l.level, l.message, l.fields?.from])).toEqual([
      ['warn', 'refused a bad request', 'w1'], ['warn', 'refused a bad request', 'w1'], ['warn', 'refused a bad request', 'w1']
    ])
    // A bad request is not a sign of life from a worker.
    expect(s.point.workers()).toEqual([])
  })

  it('answers a request that fails with an error, never throwing past the handler', async () => {
    s = await served()
    s.scheduler.close()
    expect(await s.peer.renew('w1', ['x'])).toMatchObject({ kind: 'error', name: 'TypeError', message: 'The database connection is not open' })
    expect(s.logs.items.map(l => [l.level, l.message])).toEqual([['error', 'request failed']])
  })

  it('answers every request with AccumulationPointStoppedError once stopped', async () => {
    s = await served()
    await s.point.stop()
    expect(await s.peer.renew('w1', [])).toEqual({
      v: 1, kind: 'error', name: 'AccumulationPointStoppedError', message: 'this accumulation point is not serving'
    })
  })

  it('tells a worker to cancel the leases the scheduler revokes', async () => {
    const ids = await leased()
    const cancelled = s.peer.cancels.next()
    const job = s.scheduler.list()[0]
    s.scheduler.cancel(job.id)
    expect(await cancelled).toEqual({ worker: 'w1', leaseIds: ids })
    expect(s.scheduler.held('w1')).toBe(0)
    expect(s.point.workers()[0].state).toBe('idle')
  })

  it('logs a cancel that cannot reach its worker, and goes on', async () => {
    await leased()
    s.peer.cancelError = new Error('no route to w1')
    const logged = s.logs.next()
    s.scheduler.cancel(s.scheduler.list()[0].id)
    expect(await logged).toEqual({ level: 'info', message: 'could not tell a worker to cancel', fields: { worker: 'w1', err: 'no route to w1' } })
  })
})
