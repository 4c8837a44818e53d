import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '@cycleshare/program'
import { z } from 'zod'

export const DEFAULT_COORDINATOR = 'http://127.0.0.1:8080'

/** Where the CLI found the coordinator and the token: a flag wins over the environment, which wins over the config file. */
export interface Settings {
  coordinator: string
  token?: string
  /** Where each came from, for `cycleshare config` and for errors. */
  from: { coordinator: string, token?: string }
}

export interface SettingFlags {
  coordinator?: string
  token?: string
  config?: string
}

const fileSchema = z.object({
  coordinator: z.string({ error: 'coordinator must be a string (a URL)' }).optional(),
  token: z.string({ error: 'token must be a string' }).min(1, { error: 'token must not be empty' }).optional()
}).strict()

/** The config file named by `--config` or `CYCLESHARE_CONFIG`, else `$XDG_CONFIG_HOME/cycleshare/config.json`. */
export function configPath (flags: SettingFlags, env: NodeJS.ProcessEnv): { path: string, named: boolean } {
  const named = flags.config ?? env.CYCLESHARE_CONFIG
  if (named !== undefined) return { path: named, named: true }
  return { path: join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'cycleshare', 'config.json'), named: false }
}

/** Reads flags, then `CYCLESHARE_COORDINATOR` / `CYCLESHARE_TOKEN`, then the config file. Throws `ConfigError` naming what is wrong and where. */
export function resolveSettings (flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const file = readConfigFile(flags, env)
  const pick = (flag: string | undefined, flagName: string, envName: string, fromFile: string | undefined): { value?: string, from?: string } => {
    if (flag !== undefined) return { value: flag, from: `the ${flagName} flag` }
    const v = env[envName]
    if (v !== undefined && v !== '') return { value: v, from: `environment (${envName})` }
    if (fromFile !== undefined) return { value: fromFile, from: `config file ${file.path}` }
    return {}
  }
  const coordinator = pick(flags.coordinator, '--coordinator', 'CYCLESHARE_COORDINATOR', file.values.coordinator)
  const token = pick(flags.token, '--token', 'CYCLESHARE_TOKEN', file.values.token)
  const url = coordinator.value ?? DEFAULT_COORDINATOR
  const coordinatorFrom = coordinator.from ?? 'default'
  checkUrl(url, coordinatorFrom)
  if (token.value !== undefined && token.value.trim() === '') throw new ConfigError(`the token from ${token.from} is empty`)
  return { coordinator: url.replace(/\/+$/, ''), token: token.value?.trim(), from: { coordinator: coordinatorFrom, token: token.from } }
}

function readConfigFile (flags: SettingFlags, env: NodeJS.ProcessEnv): { path: string, values: z.infer<typeof fileSchema> } {
  const { path, named } = configPath(flags, env)
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`config file ${path} does not exist`)
    return { path, values: {} }
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config file ${path} must hold a JSON object like {"coordinator":"http://127.0.0.1:8080","token":"…"}`)
  const parsed = fileSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`config file ${path}: ${issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map(k => JSON.stringify(k)).join(', ')} (it takes coordinator and token)` : issue.message}`)
  }
  return { path, values: parsed.data }
}

function checkUrl (url: string, from: string): void {
  let parsed: URL | undefined
  try { parsed = new URL(url) } catch {}
  if (parsed === undefined || !['http:', 'https:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError(`the coordinator from ${from} must be an http:// or https:// URL such as ${DEFAULT_COORDINATOR} (got ${JSON.stringify(url)})`)
  }
}
