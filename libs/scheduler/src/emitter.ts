import type { SchedulerEvents } from './types.js'

type Listeners = { [E in keyof SchedulerEvents]: Set<SchedulerEvents[E]> }

/**
 * A typed, synchronous event emitter. A throwing listener is reported as a process warning and
 * skipped: the scheduler emits after its transaction committed, so an exception must not make the
 * caller believe the call failed, nor keep the other listeners from hearing about it.
 */
export class Emitter {
  private readonly listeners: Listeners = { job: new Set(), removed: new Set(), work: new Set(), revoke: new Set(), held: new Set(), chunks: new Set() }

  /** Whether anyone listens for `event`: events that cost to collect are collected only then. */
  listened (event: keyof SchedulerEvents): boolean {
    return this.listeners[event].size > 0
  }

  on<E extends keyof SchedulerEvents> (event: E, listener: SchedulerEvents[E]): () => void {
    const set = this.listeners[event] as Set<SchedulerEvents[E]>
    set.add(listener)
    return () => { set.delete(listener) }
  }

  emit<E extends keyof SchedulerEvents> (event: E, ...args: Parameters<SchedulerEvents[E]>): void {
    for (const listener of this.listeners[event]) {
      try {
        (listener as (...a: unknown[]) => void)(...args)
      } catch (err) {
        process.emitWarning(err instanceof Error ? err : String(err), { code: 'CYCLESHARE_SCHEDULER_LISTENER' })
      }
    }
  }
}
