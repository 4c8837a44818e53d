import { resolve } from 'node:path'
import { durationFlag, integerFlag, logLevelFlag, multiaddrsFlag, parseFlags, type LogLevel } from '@cycleshare/program'
import { Command } from 'commander'
import { z } from 'zod'

/** Everything the coordinator is told at start, validated once. */
export interface CoordinatorConfig {
  /** HTTP port of the API and the WebSocket gateway; 0 picks a free one. */
  port: number
  /** Address the HTTP server binds to: 127.0.0.1 unless told otherwise (README, "What to expose"). */
  host: string
  /** Origins a browser may call the API from (CORS); none unless configured. */
  corsOrigins: string[]
  /** Folder that holds the SQLite store and the peer identity. */
  dataDir: string
  /** libp2p listen multiaddrs. */
  listen: string[]
  /** How long a lease lives without renewal. */
  leaseTtlMs: number
  /** How often pending work is announced on gossipsub. */
  announceIntervalMs: number
  /** Pulls one peer may make per second; more are dropped, and a peer that keeps at it is disconnected. */
  pullRate: number
  /** Pulls one peer may make at once before the rate applies. */
  pullBurst: number
  /** Assigns in a row a peer may refuse outright before its pulls are set aside (1 s, doubling to 60 s). */
  refusalsBeforeBackoff: number
  /** Failed attempts of one chunk before its job fails. */
  maxAttempts: number
  /** Times a worker may be outvoted by a quorum before it is excluded. */
  excludeAfter: number
  /** Give slow in-flight chunks backup copies on idle workers near the end of a job. */
  stragglerBackups: boolean
  /** The most bytes the blob store holds (`<data dir>/blobs`); the least recently used unpinned blobs make room. */
  blobStoreBytes: number
  /** The largest upload `POST /api/blobs` takes; more is refused with 413. */
  maxUploadBytes: number
  /** Reading the API (GET) needs an API token too; by default only writes do. */
  privateReads: boolean
  /** Finished jobs are removed this long after they ended; kept for good when undefined. */
  retainMs?: number
  /** Workers not heard from for this long leave the live list (`GET /api/workers`); their records stay. */
  forgetWorkersAfterMs: number
  /** Log level for pino. */
  logLevel: LogLevel
}

export const CONFIG = Symbol('CoordinatorConfig')

const MiB = 1024 * 1024
const DAY = 86_400_000

const schema = z.object({
  port: integerFlag('--port', 0, 65535),
  host: z.string().min(1, { error: '--host must not be empty' }),
  corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, { error: '--cors must be origins such as https://lab.example.org (scheme and host, no path)' })),
  dataDir: z.string().min(1, { error: '--data-dir must not be empty' }),
  listen: multiaddrsFlag('--listen', '/ip4/0.0.0.0/tcp/4001'),
  leaseTtlMs: integerFlag('--lease-ttl', 1_000, 3_600_000),
  announceIntervalMs: integerFlag('--announce-interval', 100, 600_000),
  pullRate: integerFlag('--pull-rate', 1, 100_000),
  pullBurst: integerFlag('--pull-burst', 1, 100_000),
  refusalsBeforeBackoff: integerFlag('--refusals-before-backoff', 1, 1_000),
  maxAttempts: integerFlag('--max-attempts', 1, 100),
  excludeAfter: integerFlag('--exclude-after', 1, 1_000_000),
  stragglerBackups: z.boolean(),
  privateReads: z.boolean(),
  blobStoreMb: integerFlag('--blob-store-mb', 1, 16_777_216),
  maxUploadMb: integerFlag('--max-upload-mb', 1, 16_777_216),
  retainMs: durationFlag('--retain', 1_000, 3650 * DAY, true),
  forgetWorkersAfterMs: durationFlag('--forget-workers-after', 1_000, 3650 * DAY) as z.ZodType<number>,
  logLevel: logLevelFlag
})

/**
 * Reads flags, then `CYCLESHARE_*` environment variables, then defaults. Throws `ConfigError`
 * naming the first bad value; `--help` and `--version` throw a CommanderError with exitCode 0.
 */
export function parseCoordinatorConfig (argv: string[], env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  const program = new Command('cycleshare-coordinator')
    .description('Runs a cycleshare coordinator: HTTP API, WebSocket events, scheduler and libp2p node.')
    .addHelpText('after', '\nCommands:\n  token [--data-dir <dir>] [--label <text>]   make another API token and print it once\n  backup --to <dir> [--data-dir <dir>] [--no-blobs]   copy the data directory while it runs (docs/OPERATING.md)')
    .option('--port <port>', 'HTTP port (0 picks a free one) (env CYCLESHARE_PORT)', env.CYCLESHARE_PORT ?? '8080')
    .option('--host <host>', 'HTTP bind address (0.0.0.0 to reach the API from other machines) (env CYCLESHARE_HOST)', env.CYCLESHARE_HOST ?? '127.0.0.1')
    .option('--cors <origin...>', 'let browsers on these origins call the API (CORS is off unless given) (env CYCLESHARE_CORS)', env.CYCLESHARE_CORS?.split(',') ?? [])
    .option('--data-dir <dir>', 'folder for the SQLite store and the peer identity (env CYCLESHARE_DATA_DIR)', env.CYCLESHARE_DATA_DIR ?? './data/coordinator')
    .option('--listen <multiaddr...>', 'libp2p listen address(es) (env CYCLESHARE_LISTEN)', env.CYCLESHARE_LISTEN?.split(',') ?? ['/ip4/0.0.0.0/tcp/4001'])
    .option('--lease-ttl <ms>', 'lease lifetime without renewal, in ms (env CYCLESHARE_LEASE_TTL_MS)', env.CYCLESHARE_LEASE_TTL_MS ?? '30000')
    .option('--announce-interval <ms>', 'how often pending work is announced, in ms (env CYCLESHARE_ANNOUNCE_INTERVAL_MS)', env.CYCLESHARE_ANNOUNCE_INTERVAL_MS ?? '2000')
    .option('--pull-rate <n>', 'pulls one peer may make per second (env CYCLESHARE_PULL_RATE)', env.CYCLESHARE_PULL_RATE ?? '200')
    .option('--pull-burst <n>', 'pulls one peer may make at once before the rate applies (env CYCLESHARE_PULL_BURST)', env.CYCLESHARE_PULL_BURST ?? '200')
    .option('--refusals-before-backoff <n>', 'assigns a peer may refuse in a row before its pulls are set aside (env CYCLESHARE_REFUSALS_BEFORE_BACKOFF)', env.CYCLESHARE_REFUSALS_BEFORE_BACKOFF ?? '3')
    .option('--max-attempts <n>', 'failed attempts of a chunk before its job fails (env CYCLESHARE_MAX_ATTEMPTS)', env.CYCLESHARE_MAX_ATTEMPTS ?? '5')
    .option('--exclude-after <n>', 'outvoted results before a worker is excluded (env CYCLESHARE_EXCLUDE_AFTER)', env.CYCLESHARE_EXCLUDE_AFTER ?? '3')
    .option('--no-straggler-backups', 'never give slow chunks backup copies (env CYCLESHARE_STRAGGLER_BACKUPS=0)')
    .option('--blob-store-mb <MiB>', 'the most MiB of blobs kept in <data dir>/blobs (env CYCLESHARE_BLOB_STORE_MB)', env.CYCLESHARE_BLOB_STORE_MB ?? '10240')
    .option('--max-upload-mb <MiB>', 'the largest blob upload taken, in MiB (env CYCLESHARE_MAX_UPLOAD_MB)', env.CYCLESHARE_MAX_UPLOAD_MB ?? '4096')
    .option('--retain <duration>', 'remove finished jobs this long after they end, e.g. 30d (off: keep them) (env CYCLESHARE_RETAIN)', env.CYCLESHARE_RETAIN ?? 'off')
    .option('--forget-workers-after <duration>', 'workers not heard from for this long leave GET /api/workers; ?all=true still lists them (env CYCLESHARE_FORGET_WORKERS_AFTER)', env.CYCLESHARE_FORGET_WORKERS_AFTER ?? '1h')
    .option('--private-reads', 'reading the API needs an API token too (writes always do) (env CYCLESHARE_PRIVATE_READS)', env.CYCLESHARE_PRIVATE_READS === '1')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env CYCLESHARE_LOG_LEVEL)', env.CYCLESHARE_LOG_LEVEL ?? 'info')

  const config = parseFlags(program, argv, schema, (o) => ({
    port: o.port,
    host: o.host,
    corsOrigins: o.cors,
    dataDir: o.dataDir,
    listen: o.listen,
    leaseTtlMs: o.leaseTtl,
    announceIntervalMs: o.announceInterval,
    pullRate: o.pullRate,
    pullBurst: o.pullBurst,
    refusalsBeforeBackoff: o.refusalsBeforeBackoff,
    maxAttempts: o.maxAttempts,
    excludeAfter: o.excludeAfter,
    stragglerBackups: o.stragglerBackups !== false && env.CYCLESHARE_STRAGGLER_BACKUPS !== '0',
    privateReads: o.privateReads === true,
    blobStoreMb: o.blobStoreMb,
    maxUploadMb: o.maxUploadMb,
    retainMs: o.retain,
    forgetWorkersAfterMs: o.forgetWorkersAfter,
    logLevel: o.logLevel
  }))
  const { blobStoreMb, maxUploadMb, ...rest } = config
  return { ...rest, dataDir: resolve(config.dataDir), blobStoreBytes: blobStoreMb * MiB, maxUploadBytes: maxUploadMb * MiB }
}
