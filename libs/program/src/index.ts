/**
 * @cycleshare/program — what the command-line programs share: reading flags with commander,
 * checking them once with zod, and failing with a message that names the flag and the value.
 *
 * @example
 * ```ts
 * import { ConfigError, integerFlag, parseFlags } from '@cycleshare/program'
 *
 * const program = new Command('tool').option('--port <n>', 'port', '8080')
 * const config = parseFlags(program, process.argv.slice(2), z.object({ port: integerFlag('--port', 0, 65535) }),
 *   (o) => ({ port: o.port }))
 * ```
 */
export { addLendingFlags, defaultPrefetch, lendingSchema, type LendingFallback } from './lending-flags.js'
export { ConfigError, configOrExit, durationFlag, formatDuration, integerFlag, logLevelFlag, multiaddrsFlag, parseFlags, type LogLevel } from './flags.js'
export { CommanderError } from 'commander'
