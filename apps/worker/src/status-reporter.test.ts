import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { WorkerRuntime, WorkerStatus } from '@cycleshare/worker-runtime'
import { NOT_LENT_LOG_EVERY_MS, startStatusReporter } from './status-reporter.js'

const base: WorkerStatus = { activity: 'waiting for work', reason: 'nothing to do at the moment', threads: 1, held: 0, chunksDone: 0, credit: 0, tasks: [], accumulationPoints: 1, at: '' }

describe('the status reporter\'s log', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'cycleshare-status-')); vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers(); rmSync(dir, { recursive: true, force: true }) })

  it('says the machine is not lent, and why, when that starts and every minute while it lasts; nothing while it is lent or still measuring', () => {
    let status: WorkerStatus = { ...base, activity: 'owner busy', reason: 'measuring load' }
    const lines: Array<{ fields: Record<string, unknown>, msg: string }> = []
    const reporter = startStatusReporter({ status: () => status } as unknown as WorkerRuntime, dir, 'peer', { info: (fields, msg) => { lines.push({ fields, msg }) } })
    expect(lines).toEqual([])

    const busy = 'the owner is using the machine: 80% CPU at normal priority (limit 30%)'
    status = { ...base, activity: 'owner busy', reason: busy }
    vi.advanceTimersByTime(1_000)
    expect(lines).toEqual([{ fields: { activity: 'owner busy', reason: busy, waitingSeconds: 0 }, msg: `waiting for the machine to be idle: ${busy}` }])
    vi.advanceTimersByTime(NOT_LENT_LOG_EVERY_MS - 1_000)
    expect(lines).toHaveLength(1)
    vi.advanceTimersByTime(1_000)
    expect(lines).toHaveLength(2)
    expect(lines[1].fields.waitingSeconds).toBe(60)

    status = { ...base, activity: 'working', reason: '1 chunk held', held: 1 }
    vi.advanceTimersByTime(5 * NOT_LENT_LOG_EVERY_MS)
    expect(lines).toHaveLength(2)

    status = { ...base, activity: 'on battery', reason: 'on battery power' }
    vi.advanceTimersByTime(1_000)
    expect(lines).toHaveLength(3)
    expect(lines[2]).toEqual({ fields: { activity: 'on battery', reason: 'on battery power', waitingSeconds: 0 }, msg: 'waiting for the machine to be idle: on battery power' })
    reporter.stop()
  })
})
