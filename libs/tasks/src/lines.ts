/**
 * Cutting a text blob into chunks by whole lines: a chunk owns the lines (ended by `\n`) that
 * start in its byte range, and reads past its end to finish its last one. Every line is owned by
 * exactly one chunk wherever the cuts fall, and a cut never splits a UTF-8 character (`\n` is
 * never part of one). Used by `wordcount` and by custom tasks that split a blob by lines.
 */
import { InvalidInputError } from './errors.js'
import type { BlobRange } from './task.js'

/** How far past its range a chunk reads to finish its last line: a longer line across a cut fails the chunk. */
export const LINE_LOOKAHEAD = 1024 * 1024

const NEWLINE = 0x0a

/** A chunk's byte range [start, end) of blob `blob`, `size` bytes long. */
export interface ByteRangeInput { blob: string, size: number, start: number, end: number }

/** The bytes a chunk reads to find its lines: one before its range (does a line start there?) and up to LINE_LOOKAHEAD past it. */
export function linesRead (input: ByteRangeInput): BlobRange {
  return { blob: input.blob, start: Math.max(0, input.start - 1), end: Math.min(input.size, input.end + LINE_LOOKAHEAD) }
}

/**
 * Where the lines a chunk owns begin and end within `bytes`, which hold the blob from `offset`
 * (what `linesRead` names). Throws `InvalidInputError` when its last line runs on past the lookahead.
 */
export function ownedLines (bytes: Uint8Array, offset: number, input: ByteRangeInput): { from: number, to: number } {
  const start = input.start - offset
  const end = input.end - offset
  // A line starts at the range's start only if the byte before it ends a line.
  let from = start
  if (input.start > 0 && bytes[start - 1] !== NEWLINE) {
    const next = bytes.indexOf(NEWLINE, start)
    from = next === -1 ? bytes.length : next + 1
  }
  if (from >= end) return { from, to: from }
  // The last owned line ends at the first line end at or after the range's last byte.
  const last = bytes.indexOf(NEWLINE, end - 1)
  if (last !== -1) return { from, to: last + 1 }
  if (offset + bytes.length === input.size) return { from, to: bytes.length }
  throw new InvalidInputError('input.end', `cuts a line longer than ${LINE_LOOKAHEAD} bytes at byte ${input.end}: use fewer chunks`)
}
