/**
 * A custom task's manifest: what a researcher writes beside a WebAssembly module so that the
 * coordinator can check a job's params, cut the job into chunks and combine their outputs with no
 * code of its own running. The format is specified in docs/TASKS.md.
 */
import { InvalidManifestError } from '../errors.js'
import { record } from '../validate.js'
import { checkParams, parseParamShapes, type ParamShape } from './param-shapes.js'

/** How a job is cut into chunks. */
export type Split =
  /** Integers [from, to) of two integer params, cut into contiguous ranges. */
  | { kind: 'range', from: string, to: string }
  /** A list param, cut into contiguous slices. */
  | { kind: 'items', items: string }
  /**
   * Byte ranges of a blob param. `lines`: a chunk gets the whole lines that start in its range
   * (reading on past its end to finish the last one); `bytes`: exactly its range.
   */
  | { kind: 'bytes', blob: string, align: 'lines' | 'bytes' }

/** How chunk outputs combine into the job's result. */
export type Combine =
  /** Outputs are numbers; the result is their sum. */
  | { kind: 'sum' }
  /** Outputs are objects of numbers; the result sums each key. */
  | { kind: 'sum-by-key' }
  /** Outputs are numbers, or objects with the number `by`; the result is the output with the least (most) of it. */
  | { kind: 'min' | 'max', by?: string }
  /** Outputs are lists; the result is them joined in chunk order. */
  | { kind: 'concat' }
  /** The module's own `reduce` export folds each output into the result, on the coordinator, in a sandbox of its own (reduce-sandbox.ts). */
  | { kind: 'reduce' }

export interface Limits {
  /** The most the module's memory may grow to, in MiB. */
  memoryMb: number
  /** The most bytes one run (or one reduce) may output. */
  outputBytes: number
  /** How long one chunk may run when its job sets no `chunkTimeoutMs`, in milliseconds. */
  chunkTimeoutMs: number
  /** How long one call of the module's `reduce` may take on the coordinator, in milliseconds. */
  reduceMs: number
  /** The most bytes the combined result may take while it is built (concat; reduce's accumulator). */
  resultBytes: number
}

export interface WasmManifest {
  name: string
  version: string
  description: string
  params: Record<string, ParamShape>
  exampleParams?: Record<string, unknown>
  split: Split
  combine: Combine
  /** How the input, outputs, checkpoints and reduce's accumulator are encoded as bytes. */
  encoding: 'json' | 'msgpack'
  limits: Limits
}

export const TASK_NAME = /^[a-z][a-z0-9-]{0,39}$/
export const TASK_VERSION = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/
/** A custom task's name on the wire and in job requests: `name@version`. Built-in names hold no `@`. */
export const WASM_TASK_ID = /^[a-z][a-z0-9-]{0,39}@(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/

export const LIMIT_BOUNDS: { [K in keyof Limits]: { min: number, max: number, fallback: number } } = {
  memoryMb: { min: 1, max: 4096, fallback: 64 },
  outputBytes: { min: 1, max: 16 * 1024 * 1024, fallback: 1024 * 1024 },
  chunkTimeoutMs: { min: 100, max: 24 * 3600 * 1000, fallback: 600_000 },
  reduceMs: { min: 1, max: 10_000, fallback: 1_000 },
  resultBytes: { min: 1, max: 256 * 1024 * 1024, fallback: 16 * 1024 * 1024 }
}

const KEYS = ['name', 'version', 'description', 'params', 'exampleParams', 'split', 'combine', 'encoding', 'limits']

/** The wire name of a manifest's task: `sieve@1.0.0`. */
export function taskId (manifest: Pick<WasmManifest, 'name' | 'version'>): string {
  return `${manifest.name}@${manifest.version}`
}

/** Reads a manifest (parsed JSON), filling defaults. Throws `InvalidManifestError` naming the field. */
export function parseManifest (raw: unknown): WasmManifest {
  const rec = record(raw, 'manifest', KEYS, InvalidManifestError)
  if (typeof rec.name !== 'string' || !TASK_NAME.test(rec.name)) {
    throw new InvalidManifestError('manifest.name', 'must be 1 to 40 lowercase letters, digits and dashes, starting with a letter')
  }
  if (typeof rec.version !== 'string' || !TASK_VERSION.test(rec.version)) {
    throw new InvalidManifestError('manifest.version', 'must be a version like 1.0.0')
  }
  if (rec.description !== undefined && (typeof rec.description !== 'string' || rec.description.length > 500)) {
    throw new InvalidManifestError('manifest.description', 'must be a string of at most 500 characters')
  }
  const params = parseParamShapes(rec.params)
  const split = parseSplit(rec.split, params)
  const manifest: WasmManifest = {
    name: rec.name,
    version: rec.version,
    description: (rec.description as string | undefined) ?? '',
    params,
    split,
    combine: parseCombine(rec.combine),
    encoding: parseEncoding(rec.encoding),
    limits: parseLimits(rec.limits)
  }
  if (rec.exampleParams !== undefined) {
    try {
      manifest.exampleParams = checkParams(rec.exampleParams, params)
    } catch (err) {
      throw new InvalidManifestError(`manifest.exampleParams${String((err as { field?: string }).field).slice('params'.length)}`, (err as Error).message.replace(/^\S+ /, ''))
    }
  }
  return manifest
}

function parseSplit (raw: unknown, params: Record<string, ParamShape>): Split {
  const kind = (raw as { kind?: unknown } | null)?.kind
  const names = (field: string, value: unknown, types: Array<ParamShape['type']>): string => {
    const shape = typeof value === 'string' ? params[value] : undefined
    if (shape === undefined) throw new InvalidManifestError(`manifest.split.${field}`, 'must name one of the params')
    if (!types.includes(shape.type)) throw new InvalidManifestError(`manifest.split.${field}`, `must name a param of type ${types.join(' or ')}, not ${shape.type}`)
    if (shape.optional === true) throw new InvalidManifestError(`manifest.split.${field}`, 'must name a param that is not optional')
    return value as string
  }
  switch (kind) {
    case 'range': {
      const rec = record(raw, 'manifest.split', ['kind', 'from', 'to'], InvalidManifestError)
      return { kind, from: names('from', rec.from, ['integer']), to: names('to', rec.to, ['integer']) }
    }
    case 'items': {
      const rec = record(raw, 'manifest.split', ['kind', 'items'], InvalidManifestError)
      return { kind, items: names('items', rec.items, ['array']) }
    }
    case 'bytes': {
      const rec = record(raw, 'manifest.split', ['kind', 'blob', 'align'], InvalidManifestError)
      const align = rec.align ?? 'lines'
      if (align !== 'lines' && align !== 'bytes') throw new InvalidManifestError('manifest.split.align', 'must be "lines" or "bytes"')
      return { kind, blob: names('blob', rec.blob, ['blob']), align }
    }
    default:
      throw new InvalidManifestError('manifest.split.kind', 'must be "range", "items" or "bytes"')
  }
}

function parseCombine (raw: unknown): Combine {
  const kind = (raw as { kind?: unknown } | null)?.kind
  switch (kind) {
    case 'sum':
    case 'sum-by-key':
    case 'concat':
    case 'reduce':
      record(raw, 'manifest.combine', ['kind'], InvalidManifestError)
      return { kind }
    case 'min':
    case 'max': {
      const rec = record(raw, 'manifest.combine', ['kind', 'by'], InvalidManifestError)
      if (rec.by === undefined) return { kind }
      if (typeof rec.by !== 'string' || rec.by === '' || rec.by.length > 64) throw new InvalidManifestError('manifest.combine.by', 'must name a field of the outputs')
      return { kind, by: rec.by }
    }
    default:
      throw new InvalidManifestError('manifest.combine.kind', 'must be "sum", "sum-by-key", "min", "max", "concat" or "reduce"')
  }
}

function parseEncoding (raw: unknown): WasmManifest['encoding'] {
  if (raw === undefined) return 'json'
  if (raw !== 'json' && raw !== 'msgpack') throw new InvalidManifestError('manifest.encoding', 'must be "json" or "msgpack"')
  return raw
}

function parseLimits (raw: unknown): Limits {
  const rec = record(raw ?? {}, 'manifest.limits', Object.keys(LIMIT_BOUNDS), InvalidManifestError)
  const limits = {} as Limits
  for (const [key, { min, max, fallback }] of Object.entries(LIMIT_BOUNDS) as Array<[keyof Limits, typeof LIMIT_BOUNDS.memoryMb]>) {
    const value = rec[key] ?? fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidManifestError(`manifest.limits.${key}`, `must be an integer from ${min} to ${max}`)
    }
    limits[key] = value
  }
  return limits
}
