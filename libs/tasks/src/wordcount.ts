/**
 * `wordcount`: how often each word occurs in a text blob (UTF-8), or only the given terms, with
 * the most frequent first. A word is a run of Unicode letters, digits and combining marks,
 * lowercased (`String.prototype.toLowerCase`); everything else separates words. Chunks are byte
 * ranges of the blob, and a chunk counts the lines (ended by `\n`) that start in its range,
 * reading past its end to finish its last line: every line is counted once, wherever the cuts
 * fall, and a cut never splits a UTF-8 character (`\n` is never part of one).
 */
import { InvalidInputError, InvalidOutputError, InvalidParamsError } from './errors.js'
import { LINE_LOOKAHEAD, linesRead, ownedLines } from './lines.js'
import type { BlobRange, ParamsContext, RunContext, Task } from './task.js'
import { chunkCount, integer, piece, record } from './validate.js'

export interface WordcountParams { blob: string, size: number, top: number, terms?: string[] }
export interface WordcountInput { blob: string, size: number, start: number, end: number, terms?: string[] }
/** `words`: every word of the chunk's lines; `counts`: each word's count (only the terms', when there are terms). */
export interface WordcountOutput { words: number, counts: Record<string, number> }
export type WordcountAcc = WordcountOutput
export interface WordcountResult {
  blob: string
  /** Words in the whole blob. */
  words: number
  /** Different words counted (the terms found, when there are terms). */
  distinct: number
  /** The `top` most frequent, most frequent first, ties in code-point order of the word. */
  top: Array<[string, number]>
  /** Each term's count, 0 included, when the job named terms. */
  terms?: Record<string, number>
}

/** How far past its range a chunk reads to finish its last line: a longer line across a cut fails the chunk. */
export const WORDCOUNT_LOOKAHEAD = LINE_LOOKAHEAD
export const WORDCOUNT_MAX_TOP = 1000
export const WORDCOUNT_MAX_TERMS = 1000

const WORD = /[\p{L}\p{N}\p{M}]+/gu
const ONE_WORD = /^[\p{L}\p{N}\p{M}]+$/u
const BLOB_NAME = /^b[a-z2-7]{20,120}$/
const MAX_WORD_LENGTH = 1024

function terms (raw: unknown, path: string, Fail: typeof InvalidParamsError | typeof InvalidInputError): string[] | undefined {
  if (raw === undefined) return undefined
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > WORDCOUNT_MAX_TERMS) throw new Fail(path, `must be a list of 1 to ${WORDCOUNT_MAX_TERMS} words`)
  return raw.map((t, i) => {
    if (typeof t !== 'string' || t.length > 100 || !ONE_WORD.test(t)) throw new Fail(`${path}[${i}]`, 'must be one word (letters and digits, at most 100 characters)')
    return t.toLowerCase()
  })
}

function blobName (raw: unknown, path: string, Fail: typeof InvalidParamsError | typeof InvalidInputError): string {
  if (typeof raw !== 'string' || !BLOB_NAME.test(raw)) throw new Fail(path, 'must be a blob name ("bafkrei…", as POST /api/blobs answered)')
  return raw
}

export const wordcount: Task<WordcountParams, WordcountInput, WordcountOutput, WordcountAcc, WordcountResult> = {
  name: 'wordcount',
  description: 'Counts the words (or given terms) of a text blob uploaded with POST /api/blobs; the most frequent first.',
  // What a request carries; `size` is looked up from the blob when the job is submitted.
  exampleParams: { blob: 'bafkrei… (the name POST /api/blobs answered)', top: 20 } as unknown as WordcountParams,
  resultType: 'application/json',

  parseParams (raw, chunks, ctx?: ParamsContext) {
    const rec = record(raw, 'params', ['blob', 'top', 'terms'], InvalidParamsError)
    const blob = blobName(rec.blob, 'params.blob', InvalidParamsError)
    const size = ctx?.blobSize(blob)
    if (size === undefined) throw new InvalidParamsError('params.blob', `names no blob held here (${blob}): upload it first`)
    chunkCount(chunks, size, 'byte of the blob')
    const top = integer(rec.top, 'params.top', 1, WORDCOUNT_MAX_TOP, InvalidParamsError, 20)
    const only = terms(rec.terms, 'params.terms', InvalidParamsError)
    return only === undefined ? { blob, size, top } : { blob, size, top, terms: only }
  },

  blobs (params) {
    return [params.blob]
  },

  chunk (params, count, index) {
    const { start, end } = piece(params.size, count, index)
    const input: WordcountInput = { blob: params.blob, size: params.size, start, end }
    if (params.terms !== undefined) input.terms = params.terms
    return input
  },

  reads (input): BlobRange[] {
    return [linesRead(input)]
  },

  parseOutput (raw, input) {
    const rec = record(raw, 'output', ['words', 'counts'], InvalidOutputError)
    const words = integer(rec.words, 'output.words', 0, input.end - input.start + WORDCOUNT_LOOKAHEAD, InvalidOutputError)
    const counts = record(rec.counts, 'output.counts', Object.keys(rec.counts ?? {}), InvalidOutputError)
    const wanted = input.terms === undefined ? undefined : new Set(input.terms)
    let sum = 0
    for (const [word, count] of Object.entries(counts)) {
      if (word.length > MAX_WORD_LENGTH || !ONE_WORD.test(word) || (wanted !== undefined && !wanted.has(word))) {
        throw new InvalidOutputError('output.counts', `holds "${word.slice(0, 40)}", which is not a word counted here`)
      }
      sum += integer(count, `output.counts.${word.slice(0, 40)}`, 1, words, InvalidOutputError)
    }
    if (wanted === undefined ? sum !== words : sum > words) throw new InvalidOutputError('output.words', `must be the sum of the counts (${sum}), got ${words}`)
    return { words, counts: counts as Record<string, number> }
  },

  run (input: WordcountInput, ctx?: RunContext) {
    const rec = record(input, 'input', ['blob', 'size', 'start', 'end', 'terms'], InvalidInputError)
    blobName(rec.blob, 'input.blob', InvalidInputError)
    const size = integer(rec.size, 'input.size', 1, Number.MAX_SAFE_INTEGER, InvalidInputError)
    const start = integer(rec.start, 'input.start', 0, size - 1, InvalidInputError)
    integer(rec.end, 'input.end', start + 1, size, InvalidInputError)
    const only = terms(rec.terms, 'input.terms', InvalidInputError)
    const [range] = wordcount.reads!(input)
    const bytes = ctx?.blobs?.[0]
    if (bytes === undefined || bytes.length !== range.end - range.start) {
      throw new InvalidInputError('blobs[0]', `must hold the ${range.end - range.start} bytes of the blob the chunk reads`)
    }
    const { from, to } = ownedLines(bytes, range.start, input)
    const text = new TextDecoder().decode(bytes.subarray(from, to))
    const wanted = only === undefined ? undefined : new Set(only)
    const counts = new Map<string, number>()
    let words = 0
    for (const match of text.matchAll(WORD)) {
      words++
      const word = match[0].toLowerCase()
      if (wanted === undefined || wanted.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1)
    }
    return { words, counts: Object.fromEntries(counts) }
  },

  init () {
    return { words: 0, counts: {} }
  },

  /** Adds in place: copying a table of every word per chunk would cost more than the chunk. */
  reduce (acc, output) {
    acc.words += output.words
    for (const [word, count] of Object.entries(output.counts)) {
      acc.counts[word] = (Object.hasOwn(acc.counts, word) ? acc.counts[word] : 0) + count
    }
    return acc
  },

  finalize (acc, params) {
    const entries = Object.entries(acc.counts)
    const top = entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, params.top)
    const result: WordcountResult = { blob: params.blob, words: acc.words, distinct: entries.length, top }
    if (params.terms !== undefined) result.terms = Object.fromEntries(params.terms.map(t => [t, Object.hasOwn(acc.counts, t) ? acc.counts[t] : 0]))
    return result
  },

  same (a, b) {
    if (a.words !== b.words) return false
    const keys = Object.keys(a.counts)
    return keys.length === Object.keys(b.counts).length && keys.every(k => Object.hasOwn(b.counts, k) && b.counts[k] === a.counts[k])
  }
}
