/**
 * How a custom task's job is cut into chunks (its manifest's `split`), and what each chunk's run
 * hands the module: the input document, and for byte splits the bytes themselves.
 */
import { InvalidInputError, InvalidParamsError } from '../errors.js'
import { linesRead, ownedLines } from '../lines.js'
import type { BlobRange, ParamsContext } from '../task.js'
import { chunkCount, integer, piece, record } from '../validate.js'
import type { Split } from './manifest.js'

/** A job's params once checked, and the size of the blob a byte split cuts. */
export interface WasmParams {
  params: Record<string, unknown>
  size?: number
}

/**
 * One chunk, as assigns carry it and as the module reads it (docs/TASKS.md, "The input document"):
 * the job's params, which chunk of how many, and its share: a range, a slice of the items, or a
 * byte range of the blob.
 */
export interface WasmInput {
  params: Record<string, unknown>
  chunk: number
  chunks: number
  from?: number
  to?: number
  items?: unknown[]
  offset?: number
  size?: number
  start?: number
  end?: number
  /** The checkpoint to go on from: added by the thread when the run resumes. */
  resume?: unknown
}

/** Checks that `chunks` fit the params (a range of 10 cannot be cut in 64) and reads the blob's size for byte splits. */
export function splitParams (split: Split, params: Record<string, unknown>, chunks: number, ctx?: ParamsContext): WasmParams {
  switch (split.kind) {
    case 'range': {
      const from = params[split.from] as number
      const to = params[split.to] as number
      if (to <= from) throw new InvalidParamsError(`params.${split.to}`, `must be greater than params.${split.from} (${from}), got ${to}`)
      chunkCount(chunks, to - from, `number in [${split.from}, ${split.to})`)
      return { params }
    }
    case 'items':
      chunkCount(chunks, (params[split.items] as unknown[]).length, `item of params.${split.items}`)
      return { params }
    case 'bytes': {
      const blob = params[split.blob] as string
      const size = ctx?.blobSize(blob)
      if (size === undefined) throw new InvalidParamsError(`params.${split.blob}`, `names no blob held here (${blob}): upload it first`)
      chunkCount(chunks, size, 'byte of the blob')
      return { params, size }
    }
  }
}

/** Chunk `index` of `count`. */
export function chunkInput (split: Split, { params, size }: WasmParams, count: number, index: number): WasmInput {
  const base = { chunk: index, chunks: count }
  switch (split.kind) {
    case 'range': {
      const from = params[split.from] as number
      const { start, end } = piece((params[split.to] as number) - from, count, index)
      return { params, ...base, from: from + start, to: from + end }
    }
    case 'items': {
      const all = params[split.items] as unknown[]
      const { start, end } = piece(all.length, count, index)
      const { [split.items]: _, ...rest } = params
      return { params: rest, ...base, items: all.slice(start, end), offset: start }
    }
    case 'bytes': {
      const { start, end } = piece(size!, count, index)
      return { params, ...base, size, start, end }
    }
  }
}

/** The blob bytes a chunk of a byte split reads; none for other splits. */
export function chunkReads (split: Split, input: WasmInput): BlobRange[] {
  if (split.kind !== 'bytes') return []
  const range = byteRange(split, input)
  return [split.align === 'lines' ? linesRead(range) : { blob: range.blob, start: range.start, end: range.end }]
}

/**
 * The input document and data region the module's `run` gets for `input`: for a byte split, the
 * bytes it owns (whole lines, or exactly its range), with `start` and `end` saying where they lie.
 */
export function runArguments (split: Split, input: WasmInput, blobs: readonly Uint8Array[] | undefined): { doc: WasmInput, data: Uint8Array } {
  if (split.kind !== 'bytes') return { doc: input, data: new Uint8Array(0) }
  const range = byteRange(split, input)
  const [read] = chunkReads(split, input)
  const bytes = blobs?.[0]
  if (bytes === undefined || bytes.length !== read.end - read.start) {
    throw new InvalidInputError('blobs[0]', `must hold the ${read.end - read.start} bytes of the blob the chunk reads`)
  }
  if (split.align === 'bytes') return { doc: input, data: bytes }
  const { from, to } = ownedLines(bytes, read.start, range)
  return { doc: { ...input, start: read.start + from, end: read.start + to }, data: bytes.subarray(from, to) }
}

/** A byte split's chunk input checked: it came over the network. */
function byteRange (split: Extract<Split, { kind: 'bytes' }>, input: WasmInput): { blob: string, size: number, start: number, end: number } {
  const params = record(input.params, 'input.params', Object.keys(input.params ?? {}), InvalidInputError)
  const blob = params[split.blob]
  if (typeof blob !== 'string') throw new InvalidInputError(`input.params.${split.blob}`, 'must be a blob name')
  const size = integer(input.size, 'input.size', 1, Number.MAX_SAFE_INTEGER, InvalidInputError)
  const start = integer(input.start, 'input.start', 0, size - 1, InvalidInputError)
  const end = integer(input.end, 'input.end', start + 1, size, InvalidInputError)
  return { blob, size, start, end }
}
