import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { copyCompleteBlobs } from '@cycleshare/blobs'
import { PEER_KEY_FILE } from '@cycleshare/peer'
import { ConfigError } from '@cycleshare/program'
import { backupSqliteStore } from '@cycleshare/scheduler/sqlite'
import { Command } from 'commander'
import { TOKENS_FILE } from './auth/api-tokens.js'
import { STORE_FILE } from './scheduler/scheduler.module.js'

/** What a data directory holds besides the store: the peer identity, token hashes, registered tasks. */
const SMALL_FILES = [PEER_KEY_FILE, TOKENS_FILE, 'tasks']

/**
 * `cycleshare-coordinator backup --to <dir>`: copies a coordinator's data directory, running or
 * not, into a new directory that a coordinator can start from (`--data-dir <dir>`): the store by
 * SQLite's online backup (one consistent moment, the coordinator never stopped), the peer
 * identity (so workers find it under the same peer id), the API tokens' hashes, the registered
 * tasks, and the blobs held whole (`--no-blobs` leaves those out). Prints what it copied as JSON.
 */
export interface BackupPlan { from: string, to: string, blobs: boolean }

/** Reads the command's flags; throws ConfigError naming a bad one (CommanderError for --help). */
export function parseBackup (argv: string[], env: NodeJS.ProcessEnv = process.env): BackupPlan {
  const program = new Command('cycleshare-coordinator backup')
    .description('Copies a coordinator\'s data directory, while it runs, into a new directory a coordinator can start from (--data-dir).')
    .option('--data-dir <dir>', 'the coordinator\'s data folder (env CYCLESHARE_DATA_DIR)', env.CYCLESHARE_DATA_DIR ?? './data/coordinator')
    .requiredOption('--to <dir>', 'where the backup goes: a folder that does not exist yet, or is empty')
    .option('--no-blobs', 'leave out the uploaded blobs (registered tasks\' modules among them)')
    .allowExcessArguments(false)
    .exitOverride()
  program.parse(argv, { from: 'user' })
  const opts = program.opts<{ dataDir: string, to: string, blobs: boolean }>()
  const from = resolve(opts.dataDir)
  const to = resolve(opts.to)
  if (!existsSync(join(from, STORE_FILE))) throw new ConfigError(`--data-dir ${from} holds no coordinator store (${STORE_FILE})`)
  if (existsSync(to) && readdirSync(to).length > 0) throw new ConfigError(`--to ${to} is not empty: a backup goes into a new or empty folder`)
  return { from, to, blobs: opts.blobs }
}

/** Makes the backup `plan` says; prints what it copied, as one line of JSON. */
export async function runBackup ({ from, to, blobs: withBlobs }: BackupPlan): Promise<void> {
  const store = join(from, STORE_FILE)
  mkdirSync(to, { recursive: true })
  const started = Date.now()
  const { pages } = await backupSqliteStore(store, join(to, STORE_FILE))
  for (const name of SMALL_FILES) {
    if (existsSync(join(from, name))) cpSync(join(from, name), join(to, name), { recursive: true, preserveTimestamps: true })
  }
  const blobs = withBlobs ? await copyCompleteBlobs(join(from, 'blobs'), join(to, 'blobs')) : { blobs: 0, bytes: 0 }
  process.stdout.write(JSON.stringify({ from, to, storePages: pages, blobs: blobs.blobs, blobBytes: blobs.bytes, ms: Date.now() - started }) + '\n')
}
