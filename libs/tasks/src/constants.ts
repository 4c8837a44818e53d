import { availableParallelism } from 'node:os'

/** A running chunk hands on its latest checkpoint at most this often; the ones between are dropped. */
export const CHECKPOINT_EVERY_MS = 100

/** Defaults for `TaskPoolInit`. */
export const defaultTaskPoolInit = {
  /**
   * Worker threads.
   * @defaultValue `os.availableParallelism()`
   */
  threads: (): number => availableParallelism(),
  /**
   * Old-generation heap cap per thread, in MiB; a task that needs more fails alone.
   * @defaultValue 512
   */
  maxMemoryMb: 512,
  /**
   * How long an idle thread lives before it exits, in milliseconds.
   * @defaultValue 30_000
   */
  idleTimeoutMs: 30_000
} as const
