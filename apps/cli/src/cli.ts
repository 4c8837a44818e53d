import { ApiError, UnreachableError } from '@cycleshare/client'
import { CommanderError, ConfigError } from '@cycleshare/program'
import { Command } from 'commander'
import { addCatalogCommands } from './catalog-commands.js'
import { CommandError, Context } from './context.js'
import { addJobCommands, JobEndedError } from './job-commands.js'
import { DEFAULT_COORDINATOR } from './settings.js'

type Out = NodeJS.WritableStream & { isTTY?: boolean }

/** Exit codes: 0 done, 1 the command failed (an API error, a job that failed), 2 a bad flag or config. */
export async function runCli (argv: string[], io: { stdout: Out, stderr: Out, env: NodeJS.ProcessEnv }): Promise<number> {
  const ctx = new Context(io.stdout, io.stderr, io.env)
  const program = new Command('cycleshare')
    .description('Submit jobs to a cycleshare coordinator (or a peer group member), watch them run, and fetch their results.')
    .option('--coordinator <url>', `the coordinator's HTTP API (env CYCLESHARE_COORDINATOR; default ${DEFAULT_COORDINATOR})`)
    .option('--token <token>', 'API token for writes (env CYCLESHARE_TOKEN)')
    .option('--config <file>', 'config file with {"coordinator", "token"} (env CYCLESHARE_CONFIG; default ~/.config/cycleshare/config.json)')
    .option('--json', 'print JSON, for scripts')
    .configureOutput({ writeOut: s => io.stdout.write(s), writeErr: s => io.stderr.write(s), outputError: () => {} })
    .exitOverride()
    .showSuggestionAfterError(true)
    .hook('preAction', (_program, action) => { ctx.configure(action.optsWithGlobals()) })
  addJobCommands(program, ctx)
  addCatalogCommands(program, ctx)
  for (const command of program.commands) command.exitOverride()

  try {
    await program.parseAsync(argv, { from: 'user' })
    return ctx.exitCode
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.help' || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0
      io.stderr.write(`cycleshare: ${err.message.replace(/^error: /, '')}\n`)
      return 2
    }
    io.stderr.write(`cycleshare: ${explain(err as Error, ctx)}\n`)
    return err instanceof ConfigError ? 2 : 1
  }
}

/** The message, and for the errors a person can fix, what to do about it. */
function explain (err: Error, ctx: Context): string {
  if (err instanceof UnreachableError) {
    return `${err.message}: is the coordinator running there? (the address came from ${ctx.settings.from.coordinator}; set it with --coordinator, CYCLESHARE_COORDINATOR or the config file)`
  }
  if (err instanceof ApiError) {
    if (err.status === 401) {
      const had = ctx.settings.token === undefined ? 'no token was given' : `the token from ${ctx.settings.from.token ?? ''} was refused`
      return `${err.message} (${had}: give one with --token, CYCLESHARE_TOKEN or the config file)`
    }
    return `${err.message} (HTTP ${err.status} ${err.error})`
  }
  if (err instanceof ConfigError || err instanceof JobEndedError || err instanceof CommandError) return err.message
  return err.stack ?? err.message
}
