import type { TrustDelta, WorkerStats, WorkerTrust } from '../store.js'
import type { Data, WorkerRecord } from './records.js'

/** Adds to a worker's record, made on first count (`SchedulerStore.countWorker`). */
export function countWorker (data: Data, worker: string, delta: TrustDelta): WorkerTrust {
  let record = data.workers.get(worker)
  if (record === undefined) {
    record = { accepted: 0, valid: 0, invalid: 0, failed: 0, creditMs: 0, excluded: null, lastSeen: 0 }
    data.workers.set(worker, record)
  }
  record.accepted += delta.accepted ?? 0
  record.valid += delta.valid ?? 0
  record.invalid += delta.invalid ?? 0
  record.failed += delta.failed ?? 0
  record.creditMs += delta.creditMs ?? 0
  record.lastSeen = Math.max(record.lastSeen, delta.at ?? 0)
  return { valid: record.valid, invalid: record.invalid, excluded: record.excluded }
}

/** Worker records by worker id (`SchedulerStore.workerStats`). */
export function workerStats (data: Data, only?: string): WorkerStats[] {
  return sortedWorkers(data).filter(([worker]) => only === undefined || worker === only).map(([worker, r]) => {
    const stats: WorkerStats = { worker, chunksDone: r.accepted + r.valid, chunksFailed: r.failed, valid: r.valid, invalid: r.invalid, creditMs: r.creditMs, lastSeen: r.lastSeen }
    if (r.excluded !== null) stats.excluded = r.excluded
    return stats
  })
}

export function sortedWorkers (data: Data): Array<[string, WorkerRecord]> {
  return [...data.workers].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
}
