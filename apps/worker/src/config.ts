import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { integerFlag, logLevelFlag, multiaddrsFlag, parseFlags, type LogLevel } from '@cycleshare/program'
import { Command } from 'commander'
import { z } from 'zod'

/** Everything a worker is told at start, validated once. */
export interface WorkerConfig {
  /**
   * The accumulation points to work for (coordinators today), each a multiaddr ending in
   * /p2p/<peer id>; all are bootstrapped.
   */
  coordinators: string[]
  /** Threads in the task pool. */
  threads: number
  /** Chunks held beyond the running ones, so a thread never waits on the network. */
  prefetch: number
  /** Folder for the peer identity and the blob cache. */
  dataDir: string
  /** libp2p listen multiaddrs. */
  listen: string[]
  /** The machine counts as idle while everything but this worker uses less CPU than this (percent of all cores); 100 means always idle. */
  maxLoad: number
  /** Work on battery power too. */
  allowBattery: boolean
  /** Each thread is busy at most this share of the time (percent), resting between chunks. */
  maxCpu: number
  /** Old-generation heap cap of each task thread, in MiB. */
  memoryMb: number
  /** The most MiB of blobs kept in `<data dir>/blobs` (what chunks read, served on to peers). */
  blobCacheMb: number
  logLevel: LogLevel
}

/** What the worker does on each signal, for `--help`. */
const SIGNALS_HELP = `
Signals:
  SIGUSR1          pause: stop taking chunks and hand the unfinished ones to idle peers (or give
                   them back to the coordinator); send it again to resume
  SIGINT, SIGTERM  stop: the unfinished chunks go the same way, then the worker exits`

const coordinatorRequired = '--coordinator is required: the multiaddr the coordinator printed, like /ip4/192.168.1.10/tcp/4001/p2p/12D3Koo…'

const schema = z.object({
  coordinators: z.array(
    z.string().regex(/^\/.+\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, { error: '--coordinator must be a multiaddr ending in /p2p/<peer id>, like /ip4/192.168.1.10/tcp/4001/p2p/12D3Koo…' }),
    { error: coordinatorRequired }
  ).min(1, { error: coordinatorRequired }),
  threads: integerFlag('--threads', 1, 1024),
  prefetch: integerFlag('--prefetch', 0, 1024),
  dataDir: z.string().min(1, { error: '--data-dir must not be empty' }),
  listen: multiaddrsFlag('--listen', '/ip4/0.0.0.0/tcp/0'),
  maxLoad: z.coerce.number({ error: '--max-load must be a number' }).min(0, { error: '--max-load must be at least 0' }).max(100, { error: '--max-load must be at most 100' }),
  allowBattery: z.boolean(),
  maxCpu: integerFlag('--max-cpu', 1, 100),
  memoryMb: integerFlag('--memory-mb', 16, 65536),
  blobCacheMb: integerFlag('--blob-cache-mb', 1, 16_777_216),
  logLevel: logLevelFlag
})

/**
 * Reads flags, then `CYCLESHARE_*` environment variables, then defaults. Throws `ConfigError`
 * naming the first bad value; `--help` throws a CommanderError with exitCode 0.
 */
export function parseWorkerConfig (argv: string[], env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const threads = String(availableParallelism())
  const program = new Command('cycleshare-worker')
    .description('Lends this machine to a cycleshare coordinator while it is idle.')
    .option('--coordinator <multiaddr>', 'a coordinator to work for (its printed multiaddr); repeat to work for several at once (env: comma-separated)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--threads <n>', 'task threads', env.CYCLESHARE_THREADS ?? threads)
    .option('--prefetch <n>', 'chunks held beyond the running ones (default: 2 × threads)')
    .option('--data-dir <dir>', 'folder for the peer identity and the blob cache', env.CYCLESHARE_DATA_DIR ?? './data/worker')
    .option('--listen <multiaddr...>', 'libp2p listen address(es)', env.CYCLESHARE_LISTEN?.split(',') ?? ['/ip4/0.0.0.0/tcp/0'])
    .option('--max-load <percent>', 'idle while the owner\'s programs (CPU at normal priority, not niced volunteer work) use less than this; 100 = always', env.CYCLESHARE_MAX_LOAD ?? '30')
    .option('--allow-battery', 'also work on battery power', env.CYCLESHARE_ALLOW_BATTERY === '1')
    .option('--max-cpu <percent>', 'keep each thread busy at most this share of the time', env.CYCLESHARE_MAX_CPU ?? '100')
    .option('--memory-mb <mb>', 'heap cap of each task thread, and the most memory a custom task module may have', env.CYCLESHARE_MEMORY_MB ?? '512')
    .option('--blob-cache-mb <MiB>', 'the most MiB of blobs (inputs chunks read) kept in <data dir>/blobs and served to peers', env.CYCLESHARE_BLOB_CACHE_MB ?? '4096')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', env.CYCLESHARE_LOG_LEVEL ?? 'info')
    .addHelpText('after', SIGNALS_HELP)

  const config = parseFlags(program, argv, schema, ({ coordinator, ...o }) => ({
    ...o,
    // Flags replace the environment's list rather than adding to it.
    coordinators: coordinator ?? env.CYCLESHARE_COORDINATOR?.split(',').filter(a => a !== ''),
    prefetch: o.prefetch ?? (Number.isInteger(Number(o.threads)) ? String(2 * Number(o.threads)) : undefined)
  }))
  return { ...config, dataDir: resolve(config.dataDir) }
}
