import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { addLendingFlags, defaultPrefetch, lendingSchema, logLevelFlag, multiaddrsFlag, parseFlags, type LogLevel } from '@cycleshare/program'
import { parseWorkHours, type WorkHours } from '@cycleshare/worker-runtime'
import { Command } from 'commander'
import { readWorkerConfigFile, type FileSettings } from './config-file.js'
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
  /** The machine counts as idle while its owner's programs (CPU at normal priority, not this worker) use less than this (percent of all cores); 100 means always idle. */
  maxLoad: number
  /** Lend the machine only within these hours (local time); always when undefined. */
  workHours?: WorkHours
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
Commands (for a worker running on this machine, found by --data-dir):
  status           what it is doing: working, waiting, owner busy, paused…, chunks done, credit
  pause            stop taking chunks; the unfinished ones go to idle peers (or back)
  resume           take chunks again

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
  ...lendingSchema,
  dataDir: z.string().min(1, { error: '--data-dir must not be empty' }),
  listen: multiaddrsFlag('--listen', '/ip4/0.0.0.0/tcp/0'),
  workHours: z.string().optional().transform((text, ctx) => {
    if (text === undefined) return undefined
    try {
      return parseWorkHours(text)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^work hours/, '--work-hours') })
      return z.NEVER
    }
  }),
  logLevel: logLevelFlag
})

/**
 * Reads flags, then `CYCLESHARE_*` environment variables, then the config file, then defaults. Throws `ConfigError`
 * naming the first bad value; `--help` throws a CommanderError with exitCode 0.
 */
export function parseWorkerConfig (argv: string[], env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  // Flags, then the environment, then the config file, then defaults.
  const file = readWorkerConfigFile(argv, env)
  const fromFile = (key: keyof FileSettings): string | undefined => typeof file[key] === 'string' ? file[key] : undefined
  const program = new Command('cycleshare-worker')
    .description('Lends this machine to a cycleshare coordinator while it is idle.')
    .option('--coordinator <multiaddr>', 'a coordinator to work for (its printed multiaddr); repeat to work for several at once (env CYCLESHARE_COORDINATOR, comma-separated)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--config <file>', 'a JSON file of these settings, in camelCase (env CYCLESHARE_CONFIG); flags and environment win over it')
    .option('--data-dir <dir>', 'folder for the peer identity and the blob cache (env CYCLESHARE_DATA_DIR)', env.CYCLESHARE_DATA_DIR ?? fromFile('dataDir') ?? './data/worker')
    .option('--listen <multiaddr...>', 'libp2p listen address(es) (env CYCLESHARE_LISTEN)', env.CYCLESHARE_LISTEN?.split(',') ?? (file.listen as string[] | undefined) ?? ['/ip4/0.0.0.0/tcp/0'])
  addLendingFlags(program, env, { threads: String(availableParallelism()), allowBattery: file.allowBattery === true }, fromFile)
    .option('--work-hours <ranges>', 'lend the machine only within these hours, local time, like 22:00-07:00 or 09:00-12:00,14:00-17:00 (env CYCLESHARE_WORK_HOURS)', env.CYCLESHARE_WORK_HOURS ?? fromFile('workHours'))
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env CYCLESHARE_LOG_LEVEL)', env.CYCLESHARE_LOG_LEVEL ?? fromFile('logLevel') ?? 'info')
    .addHelpText('after', SIGNALS_HELP)

  const config = parseFlags(program, argv, schema, ({ coordinator, config: _file, ...o }) => ({
    ...o,
    // Flags replace the environment's list, which replaces the file's, rather than adding to it.
    coordinators: coordinator ?? env.CYCLESHARE_COORDINATOR?.split(',').filter(a => a !== '') ?? file.coordinator,
    prefetch: defaultPrefetch(o.prefetch, o.threads)
  }))
  return { ...config, dataDir: resolve(config.dataDir) }
}
