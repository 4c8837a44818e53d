import type { Scheduler } from '@cycleshare/scheduler'
import { coalesce } from './coalesce.js'
import type { AccumulationPointLog } from './types.js'
import type { Wire } from './wire.js'

export interface AnnouncerComponents {
  scheduler: Scheduler
  wire: Pick<Wire, 'announce'>
  log: AccumulationPointLog
}

/**
 * Tells idle workers that work is pending: once when work arrives (a burst of arrivals is one
 * announcement) and every `intervalMs` while any is pending, so that a worker that missed the
 * first (it connected later, or its pull was lost) hears of it soon. Nothing is said while
 * nothing is pending.
 */
export class Announcer {
  private readonly soon = coalesce(() => { void this.announce() })
  private timer?: ReturnType<typeof setInterval>
  private unsubscribe?: () => void

  constructor (private readonly components: AnnouncerComponents, private readonly intervalMs: number) {}

  start (): void {
    if (this.timer !== undefined) return
    this.unsubscribe = this.components.scheduler.on('work', () => { this.soon.request() })
    this.timer = setInterval(() => { void this.announce() }, this.intervalMs)
    this.timer.unref()
  }

  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    clearInterval(this.timer)
    this.timer = undefined
    this.soon.cancel()
  }

  private async announce (): Promise<void> {
    const { pending, tasks } = this.components.scheduler.pending()
    if (pending === 0) return
    try {
      await this.components.wire.announce({ pending, tasks })
    } catch (err) {
      this.components.log('warn', 'could not announce work', { err })
    }
  }
}
