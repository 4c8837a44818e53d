import { CommanderError, type Command } from 'commander'
import { z } from 'zod'

/** A bad flag or environment variable; the message names the flag and what it got. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** An integer flag given as text, within [min, max]. */
export function integerFlag (flag: string, min: number, max: number): z.ZodType<number> {
  return z.coerce.number({ error: `${flag} must be a number` })
    .int({ error: `${flag} must be an integer` })
    .min(min, { error: `${flag} must be at least ${min}` })
    .max(max, { error: `${flag} must be at most ${max}` })
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A duration with its unit, `500ms`, `90s`, `15m`, `12h` or `30d` (or `off`, undefined, where
 * `allowOff`), in milliseconds from `min` to `max`.
 */
export function durationFlag (flag: string, min: number, max: number, allowOff = false): z.ZodType<number | undefined> {
  const example = `a duration such as 90s, 15m, 12h or 30d${allowOff ? ', or off' : ''}`
  return z.string().transform((text, ctx) => {
    if (allowOff && text === 'off') return undefined
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
    if (match === null) {
      ctx.addIssue({ code: 'custom', message: `${flag} must be ${example}` })
      return z.NEVER
    }
    const ms = Math.round(Number(match[1]) * UNIT_MS[match[2]])
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `${flag} must be from ${formatDuration(min)} to ${formatDuration(max)}` })
      return z.NEVER
    }
    return ms
  })
}

/** Milliseconds in the largest unit that divides them: 86400000 → 1d, 90000 → 90s. */
export function formatDuration (ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  return `${ms}ms`
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const logLevelFlag = z.enum(LOG_LEVELS, { error: `--log-level must be one of ${LOG_LEVELS.join(', ')}` })

/** One or more multiaddrs. */
export function multiaddrsFlag (flag: string, example: string): z.ZodType<string[]> {
  return z.array(z.string().startsWith('/', { error: `${flag} must be a multiaddr such as ${example}` })).min(1, { error: `${flag} needs at least one address` })
}

/**
 * Parses `argv` with `program` (which must not exit the process), maps commander's options to the
 * schema's input with `values`, and validates them. Throws `ConfigError` naming the first bad
 * flag and the value it got; `--help` and `--version` throw commander's CommanderError with
 * exit code 0, for the caller to exit on.
 */
export function parseFlags<T> (
  program: Command,
  argv: string[],
  schema: z.ZodType<T>,
  values: (options: Record<string, any>) => Record<string, unknown>
): T {
  // Errors are ours to print, once, naming the flag (commander's own would print them a second time).
  program.exitOverride().allowExcessArguments(false).configureOutput({ outputError: () => {} })
  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) throw err
    throw new ConfigError((err as Error).message.replace(/^error: /, ''))
  }
  const raw = values(program.opts())
  const parsed = schema.safeParse(raw)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  let got: unknown = raw[String(issue.path[0])]
  if (issue.path.length > 1 && Array.isArray(got)) got = got[Number(issue.path[1])]
  throw new ConfigError(got === undefined ? issue.message : `${issue.message} (got ${JSON.stringify(got)})`)
}

/**
 * Runs `read` and returns its config; on `--help`/`--version` exits 0, on a bad flag prints
 * `<program>: <message>` to stderr and exits 2. For the programs' entry points.
 */
export function configOrExit<T> (programName: string, read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode)
    if (err instanceof ConfigError) {
      process.stderr.write(`${programName}: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
}
