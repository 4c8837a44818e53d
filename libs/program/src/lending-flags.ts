/**
 * The flags of a machine lent to others' jobs, the same on a worker (`cycleshare-worker`) and a
 * peer group member (`cycleshare-peer`): how many threads, how much to hold, when the machine
 * counts as idle, how hard and with how much memory it works, and its blob cache.
 */
import type { Command } from 'commander'
import { z } from 'zod'
import { integerFlag } from './flags.js'

/** Where a setting comes from when neither its flag nor its environment variable gives it (a config file). */
export type LendingFallback = (key: 'threads' | 'prefetch' | 'maxLoad' | 'maxCpu' | 'memoryMb' | 'blobCacheMb') => string | undefined

/** The checks of the lending flags' values, to spread into a program's schema. */
export const lendingSchema = {
  threads: integerFlag('--threads', 1, 1024),
  prefetch: integerFlag('--prefetch', 0, 1024),
  maxLoad: z.coerce.number({ error: '--max-load must be a number' }).min(0, { error: '--max-load must be at least 0' }).max(100, { error: '--max-load must be at most 100' }),
  allowBattery: z.boolean(),
  maxCpu: integerFlag('--max-cpu', 1, 100),
  memoryMb: integerFlag('--memory-mb', 16, 65536),
  blobCacheMb: integerFlag('--blob-cache-mb', 1, 16_777_216)
}

/**
 * Adds the lending flags to `program`, each with its `CYCLESHARE_*` variable: flag, then the
 * environment, then `fallback`, then the default (`threads`: the machine's cores).
 */
export function addLendingFlags (program: Command, env: NodeJS.ProcessEnv, defaults: { threads: string, allowBattery?: boolean }, fallback: LendingFallback = () => undefined): Command {
  return program
    .option('--threads <n>', 'task threads (env CYCLESHARE_THREADS)', env.CYCLESHARE_THREADS ?? fallback('threads') ?? defaults.threads)
    .option('--prefetch <n>', 'chunks held beyond the running ones (default: 2 × threads) (env CYCLESHARE_PREFETCH)', env.CYCLESHARE_PREFETCH ?? fallback('prefetch'))
    .option('--max-load <percent>', 'idle while the owner\'s programs (CPU at normal priority, not niced volunteer work) use less than this; 100 = always (env CYCLESHARE_MAX_LOAD)', env.CYCLESHARE_MAX_LOAD ?? fallback('maxLoad') ?? '30')
    .option('--allow-battery', 'also work on battery power (env CYCLESHARE_ALLOW_BATTERY)', env.CYCLESHARE_ALLOW_BATTERY === '1' || defaults.allowBattery === true)
    .option('--max-cpu <percent>', 'keep each thread busy at most this share of the time (its CPU share) (env CYCLESHARE_MAX_CPU)', env.CYCLESHARE_MAX_CPU ?? fallback('maxCpu') ?? '100')
    .option('--memory-mb <mb>', 'heap cap of each task thread, and the most memory a custom task module may have (env CYCLESHARE_MEMORY_MB)', env.CYCLESHARE_MEMORY_MB ?? fallback('memoryMb') ?? '512')
    .option('--blob-cache-mb <MiB>', 'the most MiB of blobs (inputs chunks read) kept in <data dir>/blobs and served to peers (env CYCLESHARE_BLOB_CACHE_MB)', env.CYCLESHARE_BLOB_CACHE_MB ?? fallback('blobCacheMb') ?? '4096')
}

/** `--prefetch` when not given: twice the threads. */
export function defaultPrefetch (prefetch: string | undefined, threads: string): string | undefined {
  return prefetch ?? (Number.isInteger(Number(threads)) ? String(2 * Number(threads)) : undefined)
}
