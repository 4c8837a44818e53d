import { MEASURING_LOAD, statusLine, type Logger, type WorkerActivity, type WorkerRuntime, type WorkerStatus } from '@cycleshare/worker-runtime'
import { writeStatusFile } from './status-file.js'
import type { TerminalLine } from './terminal-line.js'

/** How often the status is looked at; the file is written when it changed, and at least this often otherwise. */
const LOOK_EVERY_MS = 1_000
const WRITE_AT_LEAST_EVERY_MS = 15_000
/** While the machine is not lent, the worker says so, and why, when that starts and this often after. */
export const NOT_LENT_LOG_EVERY_MS = 60_000
const NOT_LENT: ReadonlySet<WorkerActivity> = new Set(['owner busy', 'on battery', 'outside work hours'])

export interface StatusReporter {
  /** Looks now (after a pause or resume, say) rather than at the next tick. */
  update(): void
  stop(): void
}

/**
 * Keeps `<data dir>/status.json` current for `cycleshare-worker status`, and the status line of a
 * terminal when there is one; logs, now and then, that it waits for the machine to be idle.
 */
export function startStatusReporter (runtime: WorkerRuntime, dataDir: string, peerId: string, log: Pick<Logger, 'info'>, line?: TerminalLine): StatusReporter {
  let last = ''
  let writtenAt = 0
  let notLentSince: number | undefined
  let notLentLoggedAt = 0
  const sayWhyNotLent = (status: WorkerStatus, now: number): void => {
    if (!NOT_LENT.has(status.activity) || status.reason === MEASURING_LOAD) {
      notLentSince = undefined
      return
    }
    notLentSince ??= now
    if (notLentSince !== now && now - notLentLoggedAt < NOT_LENT_LOG_EVERY_MS) return
    notLentLoggedAt = now
    log.info({ activity: status.activity, reason: status.reason, waitingSeconds: Math.round((now - notLentSince) / 1000) }, `waiting for the machine to be idle: ${status.reason}`)
  }
  const update = (): void => {
    const status = runtime.status()
    sayWhyNotLent(status, Date.now())
    const { at: _, ...what } = status
    const key = JSON.stringify(what)
    if (key !== last || Date.now() - writtenAt >= WRITE_AT_LEAST_EVERY_MS) {
      last = key
      writtenAt = Date.now()
      try {
        writeStatusFile(dataDir, { ...status, pid: process.pid, peerId })
      } catch {
        // a full or read-only disk: the status command goes without, the work does not
      }
    }
    line?.show(statusLine(status satisfies WorkerStatus))
  }
  const timer = setInterval(update, LOOK_EVERY_MS)
  timer.unref()
  update()
  return {
    update,
    stop () {
      clearInterval(timer)
      update()
      line?.clear()
    }
  }
}
