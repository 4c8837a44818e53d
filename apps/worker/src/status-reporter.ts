import { statusLine, type WorkerRuntime, type WorkerStatus } from '@cycleshare/worker-runtime'
import { writeStatusFile } from './status-file.js'
import type { TerminalLine } from './terminal-line.js'

/** How often the status is looked at; the file is written when it changed, and at least this often otherwise. */
const LOOK_EVERY_MS = 1_000
const WRITE_AT_LEAST_EVERY_MS = 15_000

export interface StatusReporter {
  /** Looks now (after a pause or resume, say) rather than at the next tick. */
  update(): void
  stop(): void
}

/**
 * Keeps `<data dir>/status.json` current for `cycleshare-worker status`, and the status line of a
 * terminal when there is one.
 */
export function startStatusReporter (runtime: WorkerRuntime, dataDir: string, peerId: string, line?: TerminalLine): StatusReporter {
  let last = ''
  let writtenAt = 0
  const update = (): void => {
    const status = runtime.status()
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
