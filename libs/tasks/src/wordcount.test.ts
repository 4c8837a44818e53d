import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { WORDCOUNT_LOOKAHEAD, wordcount, type WordcountOutput, type WordcountParams } from './wordcount.js'

const packr = new Packr({ useRecords: false })
const BLOB = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

/** A text of `lines` lines of words from a small vocabulary (some non-ASCII, some punctuation). */
function textOf (lines: number, seed: number): string {
  const vocabulary = ['the', 'The', 'cycle', 'share', 'naïve', 'Ünïcode', 'ß', '42', 'x1', 'don', 't', 'élan', '東京', 'data']
  let x = seed
  const next = (n: number): number => { x = (x * 1103515245 + 12345) >>> 0; return (x >>> 8) % n }
  const out: string[] = []
  for (let l = 0; l < lines; l++) {
    const words = Array.from({ length: next(14) }, () => vocabulary[next(vocabulary.length)])
    out.push(words.join(next(3) === 0 ? ', ' : ' ') + (next(5) === 0 ? "... don't!" : ''))
  }
  return out.join('\n') + (seed % 2 === 0 ? '\n' : '')
}

/** The plain count: one pass over the whole text. */
function plainCount (text: string, terms?: string[]): { words: number, counts: Map<string, number> } {
  const counts = new Map<string, number>()
  let words = 0
  for (const m of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    words++
    const w = m[0].toLowerCase()
    if (terms === undefined || terms.includes(w)) counts.set(w, (counts.get(w) ?? 0) + 1)
  }
  return { words, counts }
}

function runAll (bytes: Uint8Array, params: WordcountParams, chunks: number): WordcountOutput[] {
  return Array.from({ length: chunks }, (_, i) => {
    const input = wordcount.chunk(params, chunks, i)
    const [range] = wordcount.reads!(input)
    const output = wordcount.run(input, { blobs: [bytes.slice(range.start, range.end)], checkpoint () {} }) as WordcountOutput
    return wordcount.parseOutput(packr.unpack(packr.pack(output)), input)
  })
}

function reduceShuffled (outputs: WordcountOutput[], params: WordcountParams, chunks: number): ReturnType<typeof wordcount.finalize> {
  let acc = wordcount.init(params, chunks)
  const order = outputs.map((_, i) => i).sort((a, b) => ((a * 7919) % outputs.length) - ((b * 7919) % outputs.length))
  for (const i of order) acc = packr.unpack(packr.pack(wordcount.reduce(acc, outputs[i], i, params, chunks)))
  return wordcount.finalize(acc, params, chunks)
}

describe('wordcount', () => {
  const text = textOf(4000, 2)
  const bytes = new TextEncoder().encode(text)
  const ctx = { blobSize: (name: string) => name === BLOB ? bytes.length : undefined }

  it.each([1, 7, 64, 333])('counts exactly what one pass over the whole text counts, in %i chunks cut anywhere', (chunks) => {
    const params = wordcount.parseParams({ blob: BLOB, top: 5 }, chunks, ctx)
    const result = reduceShuffled(runAll(bytes, params, chunks), params, chunks)
    const plain = plainCount(text)
    expect(result.words).toBe(plain.words)
    expect(result.distinct).toBe(plain.counts.size)
    const expectedTop = [...plain.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5)
    expect(result.top).toEqual(expectedTop)
    expect(result.blob).toBe(BLOB)
  })

  it('counts only the terms asked, naming those never seen with 0', () => {
    const params = wordcount.parseParams({ blob: BLOB, terms: ['Naïve', 'data', 'absent'] }, 9, ctx)
    const result = reduceShuffled(runAll(bytes, params, 9), params, 9)
    const plain = plainCount(text, ['naïve', 'data', 'absent'])
    expect(result.terms).toEqual({ naïve: plain.counts.get('naïve'), data: plain.counts.get('data'), absent: 0 })
    expect(result.words).toBe(plainCount(text).words)
  })

  it('counts a text without a final newline, and one chunk per byte', () => {
    const small = new TextEncoder().encode('one two\nthree\n\nfour five six')
    const params = wordcount.parseParams({ blob: BLOB }, small.length, { blobSize: () => small.length })
    expect(reduceShuffled(runAll(small, params, small.length), params, small.length)).toMatchObject({ words: 6, distinct: 6 })
  })

  it('fails a chunk whose cut falls in a line longer than it reads ahead, saying so', () => {
    const long = new TextEncoder().encode('word '.repeat((WORDCOUNT_LOOKAHEAD * 2.5) / 5) + '\nend\n')
    const params = wordcount.parseParams({ blob: BLOB }, 2, { blobSize: () => long.length })
    expect(() => runAll(long, params, 2)).toThrow(`input.end cuts a line longer than ${WORDCOUNT_LOOKAHEAD} bytes at byte ${Math.ceil(long.length / 2)}: use fewer chunks`)
  })

  it.each([
    [{ blob: 'my-file.txt' }, 3, 'params.blob must be a blob name ("bafkrei…", as POST /api/blobs answered)'],
    [{ blob: BLOB.replace('h', 'i') }, 3, `params.blob names no blob held here (${BLOB.replace('h', 'i')}): upload it first`],
    [{ blob: BLOB }, bytes.length + 1, `chunks must be at most ${bytes.length} (one per byte of the blob), got ${bytes.length + 1}`],
    [{ blob: BLOB, top: 0 }, 3, 'params.top must be between 1 and 1000, got 0'],
    [{ blob: BLOB, terms: ['two words'] }, 3, 'params.terms[0] must be one word (letters and digits, at most 100 characters)'],
    [{ blob: BLOB, terms: [] }, 3, 'params.terms must be a list of 1 to 1000 words'],
    [{ blob: BLOB, size: 5 }, 3, 'params.size is not a known field (expected blob, top, terms)']
  ])('refuses params %j in %i chunks', (params, chunks, message) => {
    expect(() => wordcount.parseParams(params, chunks, ctx)).toThrow(message)
  })

  it('refuses outputs that a lying worker could send', () => {
    const params = wordcount.parseParams({ blob: BLOB, terms: ['data'] }, 4, ctx)
    const input = wordcount.chunk(params, 4, 0)
    expect(() => wordcount.parseOutput({ words: 3, counts: { share: 1 } }, input)).toThrow('output.counts holds "share", which is not a word counted here')
    expect(() => wordcount.parseOutput({ words: 1, counts: { data: 2 } }, input)).toThrow('output.counts.data must be between 1 and 1')
    const all = wordcount.chunk(wordcount.parseParams({ blob: BLOB }, 4, ctx), 4, 0)
    expect(() => wordcount.parseOutput({ words: 5, counts: { a: 2, b: 2 } }, all)).toThrow('output.words must be the sum of the counts (4), got 5')
    expect(() => wordcount.parseOutput({ words: 1, counts: { __proto__x: 1 } }, all)).toThrow('output.counts holds "__proto__x", which is not a word counted here')
    expect(() => wordcount.parseOutput({ words: 1, counts: { a: 0 } }, all)).toThrow('output.counts.a must be between 1 and 1, got 0')
  })

  it('refuses to run without the bytes it reads', () => {
    const params = wordcount.parseParams({ blob: BLOB }, 4, ctx)
    const input = wordcount.chunk(params, 4, 1)
    expect(() => wordcount.run(input)).toThrow(/^blobs\[0\] must hold the \d+ bytes of the blob the chunk reads$/)
  })

  it('tells outputs apart that differ in one count', () => {
    expect(wordcount.same!({ words: 2, counts: { a: 1, b: 1 } }, { words: 2, counts: { b: 1, a: 1 } })).toBe(true)
    expect(wordcount.same!({ words: 2, counts: { a: 1, b: 1 } }, { words: 2, counts: { a: 2 } })).toBe(false)
  })
})
