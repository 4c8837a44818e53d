/**
 * The accumulation point's answers to its workers, and its one request to them that is not an
 * assign: stop the leases the scheduler revoked. Requests arrive decoded (see `wire.ts`); each
 * lease they name, and each checkpoint a renewal or release carries, is checked by the scheduler
 * against the sender, which must hold it. A transfer's signature is checked here, against the
 * giver's peer id; the scheduler checks the rest.
 */
import { verifySignature } from '@cycleshare/peer'
import { msg, transferStatement, type Transfer } from '@cycleshare/protocol'
import type { Scheduler, TransferResult } from '@cycleshare/scheduler'
import type { WorkerRegistry } from './registry.js'
import { ReportBatcher } from './report-batcher.js'
import type { AccumulationPointLog } from './types.js'
import type { RequestHandlers, Wire } from './wire.js'

export interface HandlersComponents {
  scheduler: Scheduler
  registry: WorkerRegistry
  log: AccumulationPointLog
  /** This accumulation point's peer id: the coordinator a transfer's statement names. */
  coordinator: string
}

/** Why a transfer whose signature does not check against its giver is refused. */
const BAD_SIGNATURE = 'bad signature'

export function createRequestHandlers ({ scheduler, registry, log, coordinator }: HandlersComponents): RequestHandlers {
  const reports = new ReportBatcher(scheduler)
  return {
    async report (from, { results }) {
      registry.seen(from)
      const { accepted, rejected } = await reports.complete(from, results)
      // Its credit as this accumulation point keeps it: what the worker shows its volunteer.
      return msg.reported(accepted, rejected, scheduler.workerStats(from)[0]?.creditMs ?? 0)
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
    },
    async transfer (from, { transfers, checkpoints = [] }) {
      registry.seen(from)
      const signed = await checkSignatures(coordinator, transfers)
      // Forged ones go no further: the scheduler sees only what each giver really signed.
      const refused: TransferResult['refused'] = transfers.filter((_, i) => !signed[i]).map(t => ({ leaseId: t.leaseId, reason: BAD_SIGNATURE }))
      const result = scheduler.transfer(from, transfers.filter((_, i) => signed[i]), checkpoints)
      refused.push(...result.refused)
      log('info', 'leases transferred', { sender: from, moved: result.moved.length, refused: refused.length })
      // A forgery, a replay, a lease lost to expiry first: a steady stream points at a bad or hostile peer.
      if (refused.length > 0) log('warn', 'refused transfers', { sender: from, refused: refused.length, reasons: [...new Set(refused.map(r => r.reason))] })
      return msg.transferred(result.moved, refused)
    }
  }
}

/** Whether each transfer is its giver's signature of its statement to `coordinator`, in order. */
async function checkSignatures (coordinator: string, transfers: readonly Transfer[]): Promise<boolean[]> {
  return await Promise.all(transfers.map(async t => await verifySignature(t.from, transferStatement(coordinator, t), t.signature)))
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
