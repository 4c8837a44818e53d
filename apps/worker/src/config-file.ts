import { existsSync, readFileSync } from 'node:fs'
import { ConfigError } from '@cycleshare/program'

/** The settings a worker's config file may hold: its flags' names, in camelCase. */
const KEYS = ['coordinator', 'threads', 'prefetch', 'dataDir', 'listen', 'maxLoad', 'allowBattery', 'maxCpu', 'memoryMb', 'blobCacheMb', 'workHours', 'logLevel'] as const
type Key = typeof KEYS[number]

/** Values as flags would give them: text, or lists of text. */
export type FileSettings = Partial<Record<Key, string | string[] | boolean>>

/**
 * The config file named by `--config <file>` (or `CYCLESHARE_CONFIG`): a JSON object of the
 * worker's settings, e.g. `{ "coordinator": ["/ip4/…/p2p/…"], "threads": 2, "workHours": "22:00-07:00" }`.
 * Flags and environment variables win over it. Throws `ConfigError` naming the file and the field.
 */
export function readWorkerConfigFile (argv: string[], env: NodeJS.ProcessEnv): FileSettings {
  const i = argv.findIndex(a => a === '--config' || a.startsWith('--config='))
  const path = i < 0 ? env.CYCLESHARE_CONFIG : argv[i].startsWith('--config=') ? argv[i].slice('--config='.length) : argv[i + 1]
  if (path === undefined || path === '') {
    if (i >= 0) throw new ConfigError('--config needs a file: a JSON object of settings')
    return {}
  }
  if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config file ${path} must hold a JSON object like {"coordinator":["/ip4/…/p2p/…"],"threads":2}`)
  const settings: FileSettings = {}
  for (const [key, value] of Object.entries(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new ConfigError(`config file ${path}: unknown field ${JSON.stringify(key)} (it takes ${KEYS.join(', ')})`)
    const listOf = key === 'coordinator' || key === 'listen'
    if (listOf && typeof value === 'string') settings[key as Key] = [value]
    else if (listOf && Array.isArray(value) && value.every(v => typeof v === 'string')) settings[key as Key] = value as string[]
    else if (key === 'allowBattery' && typeof value === 'boolean') settings.allowBattery = value
    else if (!listOf && key !== 'allowBattery' && (typeof value === 'string' || typeof value === 'number')) settings[key as Key] = String(value)
    else throw new ConfigError(`config file ${path}: ${key} must be ${listOf ? 'a string or a list of strings' : key === 'allowBattery' ? 'true or false' : 'a number or a string'}`)
  }
  return settings
}
