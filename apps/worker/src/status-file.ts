import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WorkerStatus } from '@cycleshare/worker-runtime'

/** What a running worker keeps in `<data dir>/status.json` for `cycleshare-worker status`. */
export interface StatusFile extends WorkerStatus {
  pid: number
  peerId: string
}

export const statusPath = (dataDir: string): string => join(dataDir, 'status.json')

/** Whole or not at all: a reader never sees half a file. */
export function writeStatusFile (dataDir: string, status: StatusFile): void {
  const path = statusPath(dataDir)
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(status, null, 2) + '\n')
  renameSync(temporary, path)
}

/** The file's contents, or undefined when there is none (no worker ever ran on this data dir). */
export function readStatusFile (dataDir: string): StatusFile | undefined {
  try {
    return JSON.parse(readFileSync(statusPath(dataDir), 'utf8')) as StatusFile
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Whether a process with this pid runs (and is ours to signal). */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
