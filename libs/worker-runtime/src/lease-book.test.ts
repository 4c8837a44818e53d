import { describe, expect, it } from 'vitest'
import type { Lease } from '@cycleshare/protocol'
import { createLeaseBook, LeaseState, type LeaseBook } from './lease-book.js'

const lease = (leaseId: string, task = 'primes'): Lease =>
  ({ leaseId, jobId: 'j', index: 0, attempt: 1, epoch: 1, task, input: { from: 0, to: 10 }, ttlMs: 3_000 })

/** A book holding `a` queued, `b` running (in run 'r1') and `c` reported. */
function bookOfThree (): LeaseBook<string> {
  const book = createLeaseBook<string>()
  for (const id of ['a', 'b', 'c']) book.accept(lease(id))
  book.start('b', 'r1')
  book.start('c', 'r0')
  book.finish('c')
  return book
}

describe('lease book', () => {
  it('walks a lease from queued through running to reported, and forgets it once acknowledged', () => {
    const book = createLeaseBook<string>()
    book.accept(lease('a'))
    expect([book.state('a'), book.held, book.queued, book.owed]).toEqual([LeaseState.Queued, 1, 1, 0])
    expect(book.start('a', 'run-1')).toEqual(lease('a'))
    expect([book.state('a'), book.runOf('a'), book.held, book.queued, book.owed]).toEqual([LeaseState.Running, 'run-1', 1, 0, 0])
    book.finish('a')
    expect([book.state('a'), book.runOf('a'), book.held, book.owed]).toEqual([LeaseState.Reported, undefined, 0, 1])
    expect(book.owedIds()).toEqual(['a'])
    book.acknowledge('a')
    expect([book.state('a'), book.held, book.owed]).toEqual([undefined, 0, 0])
  })

  it('answers what is held, what can be given back, what to renew and which results are owed', () => {
    const book = bookOfThree()
    book.accept(lease('d'))
    expect(book.held).toBe(3)
    expect(book.waitingIds()).toEqual(['a', 'd'])
    expect([...book.waiting()].map(l => l.leaseId)).toEqual(['a', 'd'])
    expect(book.unfinished()).toEqual(['a', 'b', 'd'])
    expect(book.owedIds()).toEqual(['c'])
    expect([book.lease('a'), book.lease('b'), book.lease('c'), book.lease('x')]).toEqual([lease('a'), lease('b'), lease('c'), undefined])
  })

  it('names the jobs of the leases queued or running, each once, until the last of a job finishes or goes', () => {
    const book = createLeaseBook<string>()
    const of = (leaseId: string, jobId: string): Lease => ({ ...lease(leaseId), jobId })
    for (const [id, job] of [['a', 'j1'], ['b', 'j1'], ['c', 'j2'], ['d', 'j3']]) book.accept(of(id, job))
    expect([...book.jobs()]).toEqual(['j1', 'j2', 'j3'])
    book.start('a', 'r1')
    book.finish('a')
    expect([...book.jobs()]).toEqual(['j1', 'j2', 'j3']) // b is still queued
    book.start('b', 'r2')
    book.release('b')
    book.cancel('c')
    expect([...book.jobs()]).toEqual(['j3'])
    book.lose('d')
    expect([...book.jobs()]).toEqual([])
  })

  it('keeps queued leases in the order they came', () => {
    const book = createLeaseBook()
    for (const id of ['x', 'y', 'z']) book.accept(lease(id))
    book.start('y', 1)
    book.accept(lease('w'))
    expect([...book.waiting()].map(l => l.leaseId)).toEqual(['x', 'z', 'w'])
  })

  for (const end of ['cancel', 'lose', 'release'] as const) {
    it(`${end}: takes a queued or running lease out, returning the run a running one was in`, () => {
      const book = bookOfThree()
      expect(book[end]('a')).toBeUndefined()
      expect(book[end]('b')).toBe('r1')
      expect([book.state('a'), book.state('b'), book.held, book.queued]).toEqual([undefined, undefined, 0, 0])
      expect(book.owedIds()).toEqual(['c'])
    })

    it(`${end}: refuses a reported lease and one it does not hold`, () => {
      const book = bookOfThree()
      const how = { cancel: 'cancelled', lose: 'lost', release: 'released' }[end]
      expect(() => book[end]('c')).toThrow(`lease c is reported; only a queued or running lease can be ${how}`)
      expect(() => book[end]('nope')).toThrow('lease nope is not in the book')
      expect(book.state('c')).toBe(LeaseState.Reported)
    })
  }

  it('refuses every other move, naming the lease, its state and what the move needs', () => {
    const book = bookOfThree()
    expect(() => { book.accept(lease('a')) }).toThrow('lease a is already queued; only a new lease can be accepted')
    expect(() => { book.accept(lease('b')) }).toThrow('lease b is already running; only a new lease can be accepted')
    expect(() => { book.accept(lease('c')) }).toThrow('lease c is already reported; only a new lease can be accepted')
    expect(() => book.start('b', 'r2')).toThrow('lease b is running; only a queued lease can be started')
    expect(() => book.start('c', 'r2')).toThrow('lease c is reported; only a queued lease can be started')
    expect(() => { book.finish('a') }).toThrow('lease a is queued; only a running lease can be finished')
    expect(() => { book.finish('c') }).toThrow('lease c is reported; only a running lease can be finished')
    expect(() => { book.acknowledge('a') }).toThrow('lease a is queued; only a reported lease can be acknowledged')
    expect(() => { book.acknowledge('b') }).toThrow('lease b is running; only a reported lease can be acknowledged')
    for (const move of [() => book.start('x', 'r'), () => { book.finish('x') }, () => { book.acknowledge('x') }]) {
      expect(move).toThrow(expect.objectContaining({ name: 'UnknownLeaseError', leaseId: 'x' }))
    }
    expect(() => { book.finish('a') }).toThrow(expect.objectContaining({ name: 'LeaseStateError' }))
    // Nothing moved.
    expect(['a', 'b', 'c'].map(id => book.state(id))).toEqual([LeaseState.Queued, LeaseState.Running, LeaseState.Reported])
    expect(book.runOf('b')).toBe('r1')
  })

  it('keeps the latest checkpoint of a running lease, and which ones were sent, until it finishes or goes', () => {
    const book = bookOfThree()
    book.accept(lease('d'))
    book.start('d', 'r2')
    book.checkpoint('b', { done: 1 })
    book.checkpoint('b', { done: 2 })
    book.checkpoint('d', { done: 7 })
    book.checkpoint('d', null) // nil is no checkpoint
    expect(book.unsentCheckpoints(['a', 'b', 'c', 'd', 'x'])).toEqual([{ leaseId: 'b', state: { done: 2 } }, { leaseId: 'd', state: { done: 7 } }])
    expect(book.unsentCheckpoints(['b'])).toEqual([{ leaseId: 'b', state: { done: 2 } }])

    const sent = book.unsentCheckpoints(['b', 'd'])
    book.checkpoint('d', { done: 8 }) // came while the sent ones were on their way
    book.checkpointsSent([...sent, { leaseId: 'gone', state: { done: 1 } }])
    expect(book.unsentCheckpoints(['b', 'd'])).toEqual([{ leaseId: 'd', state: { done: 8 } }])
    // Giving back carries the latest, sent or not.
    expect(book.latestCheckpoints(['a', 'b', 'd'])).toEqual([{ leaseId: 'b', state: { done: 2 } }, { leaseId: 'd', state: { done: 8 } }])
    book.checkpoint('b', { done: 3 })
    expect(book.unsentCheckpoints(['b', 'd'])).toEqual([{ leaseId: 'b', state: { done: 3 } }, { leaseId: 'd', state: { done: 8 } }])

    book.finish('b')
    book.release('d')
    expect(book.latestCheckpoints(['b', 'd'])).toEqual([])
    expect(() => { book.checkpoint('a', { done: 1 }) }).toThrow('lease a is queued; only a running lease can be checkpointed')
    expect(() => { book.checkpoint('b', { done: 1 }) }).toThrow('lease b is reported; only a running lease can be checkpointed')
    expect(() => { book.checkpoint('d', { done: 1 }) }).toThrow('lease d is not in the book')
  })

  it('takes a lease id again once it has left the book', () => {
    const book = createLeaseBook<string>()
    book.accept(lease('a'))
    book.start('a', 'first')
    book.cancel('a')
    book.accept(lease('a'))
    book.start('a', 'second')
    expect(book.runOf('a')).toBe('second')
    expect(book.held).toBe(1)
  })
})
