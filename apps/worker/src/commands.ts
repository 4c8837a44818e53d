import { resolve } from 'node:path'
import { ConfigError } from '@cycleshare/program'
import { statusLine } from '@cycleshare/worker-runtime'
import { Command } from 'commander'
import { alive, readStatusFile, type StatusFile } from './status-file.js'

export const COMMANDS = ['status', 'pause', 'resume'] as const

/**
 * `cycleshare-worker status|pause|resume [--data-dir <dir>] [--json]`: asks the worker running on
 * that data directory. Status comes from the file it keeps; pause and resume are its SIGUSR1,
 * sent only when it is not in that state already, then waited for.
 */
export async function runCommand (name: typeof COMMANDS[number], argv: string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<void> {
  const program = new Command(`cycleshare-worker ${name}`)
    .option('--data-dir <dir>', 'the running worker\'s data folder', env.CYCLESHARE_DATA_DIR ?? './data/worker')
    .option('--json', 'print the status as JSON')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    throw new ConfigError((err as Error).message.replace(/^error: /, ''))
  }
  const { dataDir: given, json } = program.opts<{ dataDir: string, json?: boolean }>()
  const dataDir = resolve(given)
  const status = running(dataDir)
  if (name !== 'status') {
    const wantPaused = name === 'pause'
    if ((status.activity === 'paused') !== wantPaused) {
      process.kill(status.pid, 'SIGUSR1')
      await until(dataDir, s => (s.activity === 'paused') === wantPaused, 10_000, `the worker did not ${name} within 10 s`)
    }
  }
  const now = running(dataDir)
  out.write(json === true ? JSON.stringify(now) + '\n' : `${statusLine(now)}\n  worker ${now.peerId} (pid ${now.pid}), ${now.threads} threads, updated ${new Date(now.at).toLocaleTimeString()}\n`)
}

/** The status of the worker running on `dataDir`; throws `ConfigError` saying why there is none. */
function running (dataDir: string): StatusFile {
  const status = readStatusFile(dataDir)
  if (status === undefined) throw new ConfigError(`no worker has run on ${dataDir} (no status.json there): give its --data-dir`)
  if (!alive(status.pid)) throw new ConfigError(`the worker on ${dataDir} is not running (pid ${status.pid} is gone; last status at ${status.at}: ${status.activity})`)
  return status
}

async function until (dataDir: string, done: (s: StatusFile) => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (done(running(dataDir))) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(failure)
}
