/**
 * Fakes the runtime's unit tests share: a task pool whose runs end when the test says so, an idle
 * monitor the test flips, and a log that records its lines. No threads, no timers, no network.
 */
import type { BatchOutcome, TaskPool } from '@cycleshare/tasks'
import type { IdleMonitor, IdleState } from '../idle-monitor.js'
import type { Logger } from '../logger.js'

export interface ManualRun {
  input: unknown
  resume: unknown
  /** Whether the runtime aborted it. */
  readonly aborted: boolean
  /** Hands the runtime a checkpoint, as the run's thread would. */
  checkpoint: (state: unknown) => void
  finish: () => void
  fail: (err: Error) => void
}

/** A pool whose runs end when the test says so, listed in the order they started. */
export function manualPool (threads: number): TaskPool & { runs: ManualRun[] } {
  const runs: ManualRun[] = []
  return {
    runs,
    threads,
    running: 0,
    start: async () => {},
    stop: async () => {},
    run: async (_task, input, options) => await new Promise((resolve, reject) => {
      runs.push({
        input,
        resume: options?.resume,
        get aborted () { return options?.signal?.aborted === true },
        checkpoint: (state) => { options?.onCheckpoint?.(state) },
        finish: () => { resolve({ count: 1 }) },
        fail: reject
      })
      options?.signal?.addEventListener('abort', () => { reject(Object.assign(new Error('aborted'), { name: 'TaskAbortedError' })) })
    }),
    // A batch (chunks that came out under 1 ms) is one run too: finishing it finishes them all.
    runBatch: async (_task, inputs, signal): Promise<BatchOutcome[]> => await new Promise((resolve, reject) => {
      runs.push({
        input: inputs,
        resume: undefined,
        get aborted () { return signal?.aborted === true },
        checkpoint: () => {},
        finish: () => { resolve(inputs.map(() => ({ ok: true, output: { count: 1 } }))) },
        fail: reject
      })
    })
  }
}

const idleState: IdleState = { idle: true, otherLoad: 0, onBattery: false, reason: 'always idle (max load 100%)' }

/** An idle monitor, idle at first, that flips when the test calls `flip` (telling its listeners). */
export function manualIdle (): IdleMonitor & { flip: (state: IdleState) => void } {
  const listeners = new Set<(state: IdleState) => void>()
  const monitor = {
    state: idleState,
    onChange: (listener: (state: IdleState) => void) => { listeners.add(listener); return () => { listeners.delete(listener) } },
    start: async () => {},
    stop: async () => {},
    sample: async () => monitor.state,
    flip: (state: IdleState) => {
      monitor.state = state
      for (const l of listeners) l(state)
    }
  }
  return monitor
}

/** Records info, warn and error lines as [message, fields]; debug is dropped. */
export function recordingLog (): Logger & { lines: Array<[string, Record<string, unknown>]> } {
  const lines: Array<[string, Record<string, unknown>]> = []
  const at = (fields: Record<string, unknown>, message: string): void => { lines.push([message, fields]) }
  return { lines, debug: () => {}, info: at, warn: at, error: at }
}
