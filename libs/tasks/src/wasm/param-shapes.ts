/**
 * The params a custom task takes, declared in its manifest as a small shape per field rather
 * than a full JSON Schema: enough to check a job's params at submit with errors naming the field
 * (`params.to must be at most 1000`), little enough to read in one glance and to implement again
 * in any language.
 */
import { InvalidManifestError, InvalidParamsError } from '../errors.js'
import { record } from '../validate.js'

/** One parameter's declared shape. Every kind may be `optional`, or have a `default` used when it is missing. */
export type ParamShape =
  | { type: 'integer' | 'number', min?: number, max?: number, optional?: boolean, default?: number }
  | { type: 'string', maxLength?: number, enum?: string[], optional?: boolean, default?: string }
  | { type: 'boolean', optional?: boolean, default?: boolean }
  /** The name of a blob held by the coordinator (`bafkrei…`, as POST /api/blobs answered). */
  | { type: 'blob', optional?: boolean }
  /** A list of integers, numbers, strings or booleans. */
  | { type: 'array', items: ItemShape, maxItems?: number, optional?: boolean }

export type ItemShape = Extract<ParamShape, { type: 'integer' | 'number' | 'string' | 'boolean' }>

export const MAX_PARAMS = 32
export const MAX_STRING = 65_536
export const MAX_ITEMS = 1_000_000
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const BLOB_NAME = /^b[a-z2-7]{20,120}$/

const SCALAR_KEYS = { integer: ['min', 'max'], number: ['min', 'max'], string: ['maxLength', 'enum'], boolean: [] } as const

/** Reads the `params` of a manifest: each field's shape, checked; throws `InvalidManifestError` naming the field. */
export function parseParamShapes (raw: unknown): Record<string, ParamShape> {
  const rec = record(raw ?? {}, 'manifest.params', Object.keys(raw ?? {}), InvalidManifestError)
  const names = Object.keys(rec)
  if (names.length > MAX_PARAMS) throw new InvalidManifestError('manifest.params', `declares ${names.length} params, at most ${MAX_PARAMS}`)
  const shapes: Record<string, ParamShape> = {}
  for (const name of names) {
    if (!PARAM_NAME.test(name)) throw new InvalidManifestError(`manifest.params.${name.slice(0, 64)}`, 'is not a valid param name (letters, digits and _, not starting with a digit)')
    shapes[name] = shape(rec[name], `manifest.params.${name}`, true)
  }
  return shapes
}

function shape (raw: unknown, path: string, top: boolean): ParamShape {
  const type = (raw as { type?: unknown } | null)?.type
  const extra = top ? ['optional', 'default'] : []
  switch (type) {
    case 'integer':
    case 'number':
    case 'string':
    case 'boolean': {
      const rec = record(raw, path, ['type', ...SCALAR_KEYS[type], ...extra], InvalidManifestError)
      const s = { ...rec } as ParamShape
      if (type === 'integer' || type === 'number') {
        for (const bound of ['min', 'max'] as const) {
          if (rec[bound] !== undefined && (typeof rec[bound] !== 'number' || !Number.isFinite(rec[bound]))) throw new InvalidManifestError(`${path}.${bound}`, 'must be a finite number')
        }
        if ((rec.min as number) > (rec.max as number)) throw new InvalidManifestError(`${path}.max`, 'must be at least min')
      }
      if (type === 'string') {
        if (rec.maxLength !== undefined && !(Number.isSafeInteger(rec.maxLength) && (rec.maxLength as number) >= 0 && (rec.maxLength as number) <= MAX_STRING)) {
          throw new InvalidManifestError(`${path}.maxLength`, `must be an integer from 0 to ${MAX_STRING}`)
        }
        if (rec.enum !== undefined && !(Array.isArray(rec.enum) && rec.enum.length > 0 && rec.enum.length <= 256 && rec.enum.every(e => typeof e === 'string' && e.length <= 256))) {
          throw new InvalidManifestError(`${path}.enum`, 'must be a list of 1 to 256 strings')
        }
      }
      checkOptional(rec, path)
      if (rec.default !== undefined) value(rec.default, s, `${path}.default`, InvalidManifestError)
      return s
    }
    case 'blob': {
      if (!top) throw new InvalidManifestError(`${path}.type`, 'must be integer, number, string or boolean')
      const rec = record(raw, path, ['type', 'optional'], InvalidManifestError)
      checkOptional(rec, path)
      return { ...rec } as ParamShape
    }
    case 'array': {
      if (!top) throw new InvalidManifestError(`${path}.type`, 'must be integer, number, string or boolean')
      const rec = record(raw, path, ['type', 'items', 'maxItems', 'optional'], InvalidManifestError)
      const items = shape(rec.items, `${path}.items`, false) as ItemShape
      if (rec.maxItems !== undefined && !(Number.isSafeInteger(rec.maxItems) && (rec.maxItems as number) >= 1 && (rec.maxItems as number) <= MAX_ITEMS)) {
        throw new InvalidManifestError(`${path}.maxItems`, `must be an integer from 1 to ${MAX_ITEMS}`)
      }
      checkOptional(rec, path)
      return { ...rec, items } as ParamShape
    }
    default:
      throw new InvalidManifestError(`${path}.type`, 'must be integer, number, string, boolean, blob or array')
  }
}

function checkOptional (rec: Record<string, unknown>, path: string): void {
  if (rec.optional !== undefined && typeof rec.optional !== 'boolean') throw new InvalidManifestError(`${path}.optional`, 'must be true or false')
}

type FieldError = typeof InvalidParamsError | typeof InvalidManifestError

/** Checks `raw` against `shape`; returns it (a copy for arrays). */
function value (raw: unknown, s: ParamShape, path: string, Fail: FieldError): unknown {
  switch (s.type) {
    case 'integer':
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new Fail(path, 'must be a finite number')
      if (s.type === 'integer' && !Number.isSafeInteger(raw)) throw new Fail(path, 'must be an integer')
      if (s.min !== undefined && raw < s.min) throw new Fail(path, `must be at least ${s.min}, got ${raw}`)
      if (s.max !== undefined && raw > s.max) throw new Fail(path, `must be at most ${s.max}, got ${raw}`)
      return raw
    }
    case 'string': {
      if (typeof raw !== 'string') throw new Fail(path, 'must be a string')
      const max = s.maxLength ?? MAX_STRING
      if (raw.length > max) throw new Fail(path, `must be at most ${max} characters long`)
      if (s.enum !== undefined && !s.enum.includes(raw)) throw new Fail(path, `must be one of ${s.enum.map(e => JSON.stringify(e)).join(', ')}`)
      return raw
    }
    case 'boolean':
      if (typeof raw !== 'boolean') throw new Fail(path, 'must be true or false')
      return raw
    case 'blob':
      if (typeof raw !== 'string' || !BLOB_NAME.test(raw)) throw new Fail(path, 'must be a blob name ("bafkrei…", as POST /api/blobs answered)')
      return raw
    case 'array': {
      const max = s.maxItems ?? MAX_ITEMS
      if (!Array.isArray(raw)) throw new Fail(path, 'must be a list')
      if (raw.length > max) throw new Fail(path, `must hold at most ${max} items, got ${raw.length}`)
      return raw.map((item, i) => value(item, s.items, `${path}[${i}]`, Fail))
    }
  }
}

/**
 * A job's params checked against the declared shapes: unknown fields refused, missing ones filled
 * from their `default` or left out when `optional`, otherwise required. Throws `InvalidParamsError`.
 */
export function checkParams (raw: unknown, shapes: Record<string, ParamShape>): Record<string, unknown> {
  const rec = record(raw ?? {}, 'params', Object.keys(shapes), InvalidParamsError)
  const params: Record<string, unknown> = {}
  for (const [name, s] of Object.entries(shapes)) {
    const given = rec[name]
    if (given === undefined) {
      const fallback = (s as { default?: unknown }).default
      if (fallback !== undefined) params[name] = fallback
      else if (s.optional !== true) throw new InvalidParamsError(`params.${name}`, 'is required')
      continue
    }
    params[name] = value(given, s, `params.${name}`, InvalidParamsError)
  }
  return params
}
