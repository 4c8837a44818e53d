/**
 * The accumulation point's answers to its workers, and its one request to them that is not an
 * assign: stop the leases the scheduler revoked. Requests arrive decoded (see `wire.ts`); each
 * lease they name, and each checkpoint a renewal or release carries, is checked by the scheduler
 * against the sender, which must hold it.
 */
import { msg } from '@cycleshare/protocol'
import type { Scheduler } from '@cycleshare/scheduler'
import type { WorkerRegistry } from './registry.js'
import type { AccumulationPointLog } from './types.js'
import type { RequestHandlers, Wire } from './wire.js'

export interface HandlersComponents {
  scheduler: Scheduler
  registry: WorkerRegistry
  log: AccumulationPointLog
}

export function createRequestHandlers ({ scheduler, registry, log }: HandlersComponents): RequestHandlers {
  return {
    report (from, { results }) {
      registry.seen(from)
      const { accepted, rejected } = scheduler.complete(from, results)
      return msg.reported(accepted, rejected)
    },
    renew (from, { leaseIds, checkpoints = [] }) {
      registry.seen(from)
      const { renewed, ttlMs, lost, refused } = scheduler.renew(from, leaseIds, checkpoints)
      // The worker hears which and why; a steady stream of these points at a bad or hostile worker.
      if (refused.length > 0) log('warn', 'refused checkpoints', { worker: from, refused: refused.length })
      return msg.renewed(renewed, ttlMs, lost, refused)
    },
    release (from, { leaseIds, checkpoints = [] }) {
      registry.seen(from)
      const released = scheduler.release(from, leaseIds, checkpoints)
      log('info', 'leases released', { worker: from, released: released.length })
      return msg.released(released)
    }
  }
}

export interface CancelComponents {
  wire: Pick<Wire, 'cancel'>
  log: AccumulationPointLog
}

/**
 * Tells a worker to stop leases the scheduler revoked (job ended, chunk decided by other copies,
 * worker excluded). Failing to is not fatal: the worker's results for them are refused and its
 * renewals report them lost.
 */
export async function cancelRevoked ({ wire, log }: CancelComponents, worker: string, leaseIds: string[]): Promise<void> {
  try {
    await wire.cancel(worker, leaseIds)
  } catch (err) {
    log('info', 'could not tell a worker to cancel', { worker, err: (err as Error).message })
  }
}
