import { resolve } from 'node:path'
import { Command, CommanderError } from 'commander'
import { z } from 'zod'

/** Everything the coordinator is told at start, validated once. */
export interface CoordinatorConfig {
  /** HTTP port of the API and the WebSocket gateway; 0 picks a free one. */
  port: number
  /** Address the HTTP server binds to. */
  host: string
  /** Folder that holds the SQLite store and the peer identity. */
  dataDir: string
  /** libp2p listen multiaddrs. */
  listen: string[]
  /** How long a lease lives without renewal. */
  leaseTtlMs: number
  /** How often pending work is announced on gossipsub. */
  announceIntervalMs: number
  /** Failed attempts of one chunk before its job fails. */
  maxAttempts: number
  /** Times a worker may be outvoted by a quorum before it is excluded. */
  excludeAfter: number
  /** Give slow in-flight chunks backup copies on idle workers near the end of a job. */
  stragglerBackups: boolean
  /** Log level for pino. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

export const CONFIG = Symbol('CoordinatorConfig')

const integer = (name: string, min: number, max: number) =>
  z.coerce.number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` })

const schema = z.object({
  port: integer('--port', 0, 65535),
  host: z.string().min(1, { error: '--host must not be empty' }),
  dataDir: z.string().min(1, { error: '--data-dir must not be empty' }),
  listen: z.array(z.string().startsWith('/', { error: '--listen must be a multiaddr such as /ip4/0.0.0.0/tcp/4001' })).min(1),
  leaseTtlMs: integer('--lease-ttl', 1_000, 3_600_000),
  announceIntervalMs: integer('--announce-interval', 100, 600_000),
  maxAttempts: integer('--max-attempts', 1, 100),
  excludeAfter: integer('--exclude-after', 1, 1_000_000),
  stragglerBackups: z.boolean(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: '--log-level must be one of fatal, error, warn, info, debug, trace, silent' })
})

/** Thrown for a bad flag or environment variable; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads flags, then `CYCLESHARE_*` environment variables, then defaults. Throws `ConfigError`
 * naming the first bad value; `--help` and `--version` throw a CommanderError with exitCode 0.
 */
export function parseCoordinatorConfig (argv: string[], env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  const program = new Command('cycleshare-coordinator')
    .description('Runs a cycleshare coordinator: HTTP API, WebSocket events, scheduler and libp2p node.')
    .option('--port <port>', 'HTTP port (0 picks a free one)', env.CYCLESHARE_PORT ?? '8080')
    .option('--host <host>', 'HTTP bind address', env.CYCLESHARE_HOST ?? '0.0.0.0')
    .option('--data-dir <dir>', 'folder for the SQLite store and the peer identity', env.CYCLESHARE_DATA_DIR ?? './data/coordinator')
    .option('--listen <multiaddr...>', 'libp2p listen address(es)', env.CYCLESHARE_LISTEN?.split(',') ?? ['/ip4/0.0.0.0/tcp/4001'])
    .option('--lease-ttl <ms>', 'lease lifetime without renewal, in ms', env.CYCLESHARE_LEASE_TTL_MS ?? '30000')
    .option('--announce-interval <ms>', 'how often pending work is announced, in ms', env.CYCLESHARE_ANNOUNCE_INTERVAL_MS ?? '2000')
    .option('--max-attempts <n>', 'failed attempts of a chunk before its job fails', env.CYCLESHARE_MAX_ATTEMPTS ?? '5')
    .option('--exclude-after <n>', 'outvoted results before a worker is excluded', env.CYCLESHARE_EXCLUDE_AFTER ?? '3')
    .option('--no-straggler-backups', 'never give slow chunks backup copies')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', env.CYCLESHARE_LOG_LEVEL ?? 'info')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .allowExcessArguments(false)

  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) throw err
    throw new ConfigError((err as Error).message.replace(/^error: /, ''))
  }
  const o = program.opts()
  const parsed = schema.safeParse({
    port: o.port,
    host: o.host,
    dataDir: o.dataDir,
    listen: o.listen,
    leaseTtlMs: o.leaseTtl,
    announceIntervalMs: o.announceInterval,
    maxAttempts: o.maxAttempts,
    excludeAfter: o.excludeAfter,
    stragglerBackups: o.stragglerBackups !== false && env.CYCLESHARE_STRAGGLER_BACKUPS !== '0',
    logLevel: o.logLevel
  })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`${issue.message} (got ${JSON.stringify(valueAt(o, issue.path))})`)
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.dataDir) }
}

function valueAt (opts: Record<string, unknown>, path: PropertyKey[]): unknown {
  const key = { leaseTtlMs: 'leaseTtl', announceIntervalMs: 'announceInterval' }[String(path[0])] ?? String(path[0])
  const v = opts[key]
  return path.length > 1 && Array.isArray(v) ? v[Number(path[1])] : v
}
