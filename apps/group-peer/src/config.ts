import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { addLendingFlags, ConfigError, defaultPrefetch, integerFlag, lendingSchema, logLevelFlag, multiaddrsFlag, parseFlags, type LogLevel } from '@cycleshare/program'
import { MIN_GROUP_SECRET_BYTES } from '@cycleshare/peer'
import { Command } from 'commander'
import { z } from 'zod'

/** Everything a group peer is told at start, validated once. */
export interface GroupPeerConfig {
  /** The group's name: with the secret, it makes the group's private network and topics. */
  group: string
  /** The group secret's bytes, read from `--group-secret-file`. */
  secret: Uint8Array
  /** Members to dial (on other networks, or where mDNS does not reach), each ending in /p2p/<peer id>. */
  bootstrap: string[]
  /** Find members on the local network by mDNS. */
  mdns: boolean
  /** Folder for the identity, the job store, the blobs and the tasks. */
  dataDir: string
  listen: string[]
  /** Port of the local HTTP API, on 127.0.0.1 only; 0 picks a free one. */
  apiPort: number
  threads: number
  prefetch: number
  maxLoad: number
  allowBattery: boolean
  maxCpu: number
  memoryMb: number
  blobCacheMb: number
  /** How long a lease this peer issues lives without renewal. */
  leaseTtlMs: number
  /** How often pending work of this peer's jobs is announced. */
  announceIntervalMs: number
  logLevel: LogLevel
}

const schema = z.object({
  group: z.string({ error: '--group is required: the group\'s name' }).regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: '--group must be 1 to 63 lowercase letters, digits and dashes' }),
  groupSecretFile: z.string({ error: '--group-secret-file is required: a file holding the group\'s secret (make one with "cycleshare-peer secret")' }).min(1),
  bootstrap: z.array(z.string().regex(/^\/.+\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, { error: '--bootstrap must be a multiaddr ending in /p2p/<peer id>, like /ip4/192.168.1.10/tcp/4101/p2p/12D3Koo…' })),
  mdns: z.boolean(),
  dataDir: z.string().min(1, { error: '--data-dir must not be empty' }),
  listen: multiaddrsFlag('--listen', '/ip4/0.0.0.0/tcp/0'),
  apiPort: integerFlag('--api-port', 0, 65535),
  ...lendingSchema,
  leaseTtlMs: integerFlag('--lease-ttl', 1_000, 3_600_000),
  announceIntervalMs: integerFlag('--announce-interval', 100, 600_000),
  logLevel: logLevelFlag
})

/**
 * Reads flags, then `CYCLESHARE_*` environment variables, then defaults, and the secret file.
 * Throws `ConfigError` naming the first bad value; `--help` throws a CommanderError with exitCode 0.
 */
export function parseGroupPeerConfig (argv: string[], env: NodeJS.ProcessEnv = process.env): GroupPeerConfig {
  const program = new Command('cycleshare-peer')
    .description('Joins a peer group: lends this machine to the group\'s jobs while it is idle, and runs the jobs submitted to it, with no server.')
    .option('--group <name>', 'the group to join (env CYCLESHARE_GROUP)', env.CYCLESHARE_GROUP)
    .option('--group-secret-file <file>', 'a file holding the group\'s secret (every member has the same) (env CYCLESHARE_GROUP_SECRET_FILE)', env.CYCLESHARE_GROUP_SECRET_FILE)
    .option('--bootstrap <multiaddr>', 'a member to dial (repeat for several); members on one network find each other without it (env CYCLESHARE_BOOTSTRAP, comma-separated)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--no-mdns', 'do not look for members on the local network (mDNS multicast) (env CYCLESHARE_MDNS=0)')
    .option('--data-dir <dir>', 'folder for the identity, the jobs submitted here, blobs and tasks (env CYCLESHARE_DATA_DIR)', env.CYCLESHARE_DATA_DIR ?? './data/peer')
    .option('--listen <multiaddr...>', 'libp2p listen address(es) (env CYCLESHARE_LISTEN)', env.CYCLESHARE_LISTEN?.split(',') ?? ['/ip4/0.0.0.0/tcp/0'])
    .option('--api-port <port>', 'port of the local HTTP API (127.0.0.1 only; 0 picks a free one) (env CYCLESHARE_API_PORT)', env.CYCLESHARE_API_PORT ?? '7070')
  addLendingFlags(program, env, { threads: String(availableParallelism()) })
    .option('--lease-ttl <ms>', 'lifetime of the leases this peer issues, without renewal (env CYCLESHARE_LEASE_TTL_MS)', env.CYCLESHARE_LEASE_TTL_MS ?? '30000')
    .option('--announce-interval <ms>', 'how often pending work of the jobs submitted here is announced (env CYCLESHARE_ANNOUNCE_INTERVAL_MS)', env.CYCLESHARE_ANNOUNCE_INTERVAL_MS ?? '2000')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env CYCLESHARE_LOG_LEVEL)', env.CYCLESHARE_LOG_LEVEL ?? 'info')
    .addHelpText('after', '\nCommands:\n  secret   print a new random group secret (save it to a file and give it to every member)')

  const config = parseFlags(program, argv, schema, ({ bootstrap, leaseTtl, announceInterval, ...o }) => ({
    ...o,
    leaseTtlMs: leaseTtl,
    announceIntervalMs: announceInterval,
    bootstrap: bootstrap ?? env.CYCLESHARE_BOOTSTRAP?.split(',').filter(a => a !== '') ?? [],
    mdns: o.mdns !== false && env.CYCLESHARE_MDNS !== '0',
    prefetch: defaultPrefetch(o.prefetch, o.threads)
  }))
  const { groupSecretFile, ...rest } = config
  return { ...rest, secret: readSecret(groupSecretFile), dataDir: resolve(config.dataDir) }
}

/** The secret file's bytes, a final newline left out (so `echo … > file` and `cycleshare-peer secret > file` both work). */
function readSecret (file: string): Uint8Array {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (err) {
    throw new ConfigError(`--group-secret-file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const secret = bytes.subarray(0, bytes.length - (bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? 2 : 1) : 0))
  if (secret.length < MIN_GROUP_SECRET_BYTES) {
    throw new ConfigError(`--group-secret-file ${file} holds ${secret.length} bytes; a group secret needs at least ${MIN_GROUP_SECRET_BYTES} (make one with "cycleshare-peer secret")`)
  }
  return new Uint8Array(secret)
}
