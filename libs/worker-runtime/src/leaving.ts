/**
 * Leaving an accumulation point, whether the worker stops or stops working for it: its finished
 * results are delivered and what it gave us unfinished goes back, all within a grace period.
 */
import { giveBack } from './handoff-giver.js'
import type { Link } from './link.js'

/** Delivers `link`'s finished results within `graceMs`, then stops its outbox. */
export async function deliver (link: Link, graceMs: number): Promise<void> {
  await link.outbox.drain(graceMs)
  link.outbox.stop()
}

/**
 * Stops `link`, gives back what its accumulation point gave us and has not finished, and delivers
 * its finished results, within `graceMs`. Resolves with how many went back and how many results
 * could not be delivered.
 */
export async function leave (link: Link, graceMs: number): Promise<{ released: number, unreported: number }> {
  link.stop()
  const unfinished = link.book.unfinished()
  await Promise.all([
    unfinished.length > 0 ? giveBack(link, unfinished, graceMs) : undefined,
    deliver(link, graceMs)
  ])
  return { released: unfinished.length, unreported: link.outbox.size }
}
