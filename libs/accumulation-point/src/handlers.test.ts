import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPeer } from '@cycleshare/peer'
import { encode, msg, transferStatement, type Lease, type Transfer } from '@cycleshare/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ok, sumUpTo } from './testing/fake-tasks.js'
import { served, type Served } from './testing/served.js'

interface Signer { sign(data: Uint8Array): Promise<Uint8Array> }

/** A worker with a real Ed25519 key: a peer's identity, never started. */
async function keyed (): Promise<{ id: string, key: Signer }> {
  const peer = createPeer({ dataDir: mkdtempSync(join(tmpdir(), 'cycleshare-key-')), listen: [] })
  return { id: peer.peerId, key: peer }
}

/** `signer`'s signature of the transfer of `lease`, at epoch 1, from `from` to `to`, for coordinator `coordinator`. */
async function signed (signer: Signer, lease: Lease, from: string, to: string, coordinator = 'accumulation-point'): Promise<Transfer> {
  const transfer = { leaseId: lease.leaseId, epoch: 1, from, to }
  return { ...transfer, signature: await signer.sign(transferStatement(coordinator, transfer)) }
}

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
      v: 1, kind: 'reported', accepted: [], rejected: [{ leaseId: ids[0], reason: 'not the holder of this lease' }], credit: 0
    })
    expect(s.scheduler.held('w1')).toBe(3)
    // Each claims 40 ms of CPU time, held to the 0 ms the fake clock moved since the lease: the answer carries the credit.
    expect(await s.peer.report('w1', grants.slice(0, 2).map(l => ({ ...ok(l), cpuMs: 40 })))).toEqual({ v: 1, kind: 'reported', accepted: ids.slice(0, 2), rejected: [], credit: 0 })
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

  /** A job of 10 `sum` chunks, one leased to a giver with a real key, and a taker with one too. */
  async function heldByGiver () {
    const [giver, taker] = [await keyed(), await keyed()]
    s = await served()
    const job = s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 10 })
    s.peer.pull(giver.id, 1)
    const [assign] = s.peer.assigns.items
    assign.acceptAll()
    return { giver, taker, job, lease: assign.leases[0] }
  }

  it('transfer: moves a lease its holder signed over to the taker that presents it, with the checkpoint sent along, and logs it', async () => {
    const { giver, taker, job, lease } = await heldByGiver()
    expect(await s.peer.transfer(taker.id, [await signed(giver.key, lease, giver.id, taker.id)], [{ leaseId: lease.leaseId, state: sumUpTo(lease, 4) }]))
      .toEqual({ v: 1, kind: 'transferred', moved: [{ ...lease, epoch: 2, resume: sumUpTo(lease, 4) }], refused: [] })
    expect([s.scheduler.held(giver.id), s.scheduler.held(taker.id)]).toEqual([0, 1])
    expect(s.scheduler.get(job.id).stats.transfers).toBe(1)
    expect(s.logs.items).toEqual([{ level: 'info', message: 'leases transferred', fields: { sender: taker.id, moved: 1, refused: 0 } }])
    expect(await s.peer.renew(giver.id, [lease.leaseId])).toMatchObject({ renewed: [], lost: [lease.leaseId] })

    s.clock.now += 30_000
    expect(s.scheduler.expire()).toBe(1)
    s.peer.pull('w3', 1)
    expect(s.peer.assigns.items[1].leases.map(l => [l.index, l.attempt, l.resume])).toEqual([[0, 2, { next: 4, partial: 6 }]])
  })

  it('transfer: refuses one signed by another key, with a byte of its signature flipped, or for another coordinator, and changes nothing', async () => {
    const { giver, taker, job, lease } = await heldByGiver()
    const genuine = await signed(giver.key, lease, giver.id, taker.id)
    const flipped = Uint8Array.from(genuine.signature)
    flipped[17] ^= 1
    const forgeries = [
      await signed(taker.key, lease, giver.id, taker.id),
      { ...genuine, signature: flipped },
      await signed(giver.key, lease, giver.id, taker.id, 'another-coordinator')
    ]
    const badSignature = { leaseId: lease.leaseId, reason: 'bad signature' }
    expect(await s.peer.transfer(taker.id, forgeries, [{ leaseId: lease.leaseId, state: sumUpTo(lease, 4) }]))
      .toEqual({ v: 1, kind: 'transferred', moved: [], refused: [badSignature, badSignature, badSignature] })
    expect([s.scheduler.held(giver.id), s.scheduler.held(taker.id)]).toEqual([1, 0])
    expect(s.scheduler.get(job.id).stats.transfers).toBe(0)
    expect(s.logs.items).toEqual([
      { level: 'info', message: 'leases transferred', fields: { sender: taker.id, moved: 0, refused: 3 } },
      { level: 'warn', message: 'refused transfers', fields: { sender: taker.id, refused: 3, reasons: ['bad signature'] } }
    ])

    // still the giver's at epoch 1: the genuine one moves it; forged ones are refused first, then the scheduler's refusals
    const other = await keyed()
    expect(await s.peer.transfer(giver.id, [genuine, forgeries[1], await signed(giver.key, lease, giver.id, other.id)])).toEqual({
      v: 1,
      kind: 'transferred',
      moved: [{ ...lease, epoch: 2 }],
      refused: [badSignature, { leaseId: lease.leaseId, reason: `not held by ${giver.id} at epoch 1` }]
    })
    expect([s.scheduler.held(giver.id), s.scheduler.held(taker.id)]).toEqual([0, 1])
  })

  it('answers bad requests with an error naming what is wrong, and logs them', async () => {
    s = await served()
    expect(await s.peer.send('w1', new Uint8Array([0xc1, 0xff, 0x00]))).toMatchObject({ kind: 'error', name: 'MalformedMessageError' })
    expect(await s.peer.send('w1', encode(msg.assign([])))).toEqual({
      v: 1, kind: 'error', name: 'UnexpectedKindError', message: 'expected report or renew or release or transfer but received assign'
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
