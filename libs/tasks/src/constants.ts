import { availableParallelism } from 'node:os'

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
