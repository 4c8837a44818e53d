import { resolve } from 'node:path'
import { Command } from 'commander'
import { ApiTokens } from './api-tokens.js'

/**
 * `cycleshare-coordinator token`: makes an API token in a coordinator's data directory (running
 * or not) and prints it, alone on stdout, the only time it is shown.
 */
export function tokenCommand (argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  const program = new Command('cycleshare-coordinator token')
    .description('Makes an API token for this coordinator and prints it once (only its hash is kept).')
    .option('--data-dir <dir>', 'the coordinator\'s data folder', env.CYCLESHARE_DATA_DIR ?? './data/coordinator')
    .option('--label <text>', 'a note kept beside the token\'s hash (who it is for)')
    .allowExcessArguments(false)
    .exitOverride()
  program.parse(argv, { from: 'user' })
  const { dataDir, label } = program.opts<{ dataDir: string, label?: string }>()
  process.stdout.write(new ApiTokens(resolve(dataDir)).create(label) + '\n')
}
