import { readFileSync } from 'node:fs'
import type { JobRequest } from '@cycleshare/api'
import { ConfigError } from '@cycleshare/program'

/** `cycleshare submit`'s flags as commander hands them over: text, checked here. */
export interface SubmitFlags {
  /** `name=value`, repeatable; the value is read as JSON when it is JSON (numbers, lists), else as text. */
  param?: string[]
  /** A JSON object of params. */
  params?: string
  /** A file holding a JSON object of params. */
  paramsFile?: string
  chunks?: string
  replication?: string
  quorum?: string
  maxAttempts?: string
  chunkTimeoutMs?: string
  priority?: string
}

/**
 * The job `submit` sends: params from the file, then `--params`, then each `--param` (later ones
 * add to or replace earlier ones), and the job's options. Throws `ConfigError` naming the flag.
 * Ranges are the coordinator's to check: it names the field too.
 */
export function jobRequest (task: string, flags: SubmitFlags, read: (path: string) => string = p => readFileSync(p, 'utf8')): JobRequest {
  const params: Record<string, unknown> = {}
  if (flags.paramsFile !== undefined) {
    let text: string
    try { text = read(flags.paramsFile) } catch (err) { throw new ConfigError(`--params-file ${flags.paramsFile} cannot be read: ${(err as Error).message}`) }
    Object.assign(params, jsonObject(text, `--params-file ${flags.paramsFile}`))
  }
  if (flags.params !== undefined) Object.assign(params, jsonObject(flags.params, '--params'))
  const named = new Set<string>()
  for (const pair of flags.param ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new ConfigError(`--param must be name=value, such as --param to=1e9 (got ${JSON.stringify(pair)})`)
    const name = pair.slice(0, eq)
    if (named.has(name)) throw new ConfigError(`--param ${name} is given twice`)
    named.add(name)
    params[name] = looseValue(pair.slice(eq + 1))
  }
  if (flags.chunks === undefined) throw new ConfigError('--chunks is required: how many chunks to split the job into')
  const request: JobRequest = { task, params, chunks: wholeNumber('--chunks', flags.chunks) }
  if (flags.replication !== undefined) request.replication = flags.replication === 'adaptive' ? 'adaptive' : wholeNumber('--replication', flags.replication, 'or "adaptive"')
  if (flags.quorum !== undefined) request.quorum = wholeNumber('--quorum', flags.quorum)
  if (flags.maxAttempts !== undefined) request.maxAttempts = wholeNumber('--max-attempts', flags.maxAttempts)
  if (flags.chunkTimeoutMs !== undefined) request.chunkTimeoutMs = wholeNumber('--chunk-timeout-ms', flags.chunkTimeoutMs)
  if (flags.priority !== undefined) request.priority = wholeNumber('--priority', flags.priority)
  return request
}

function jsonObject (text: string, where: string): Record<string, unknown> {
  let value: unknown
  try { value = JSON.parse(text) } catch (err) { throw new ConfigError(`${where} is not valid JSON: ${(err as Error).message}`) }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where} must be a JSON object such as {"from":0,"to":1000000}`)
  return value as Record<string, unknown>
}

/** `1e9` → 1000000000, `[1,2]` → a list, `true` → true, anything that is not JSON stays text. */
function looseValue (text: string): unknown {
  try { return JSON.parse(text) } catch { return text }
}

function wholeNumber (flag: string, text: string, alternative = ''): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new ConfigError(`${flag} must be a whole number${alternative === '' ? '' : ` ${alternative}`} (got ${JSON.stringify(text)})`)
  return Number(text)
}
