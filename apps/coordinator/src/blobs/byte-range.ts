/**
 * The one byte range of an HTTP `Range` header (RFC 9110 §14.1.2): `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. Several ranges, another unit or a malformed header are ignored (the whole blob is
 * sent, as HTTP allows); a range that starts past the end cannot be satisfied.
 */
export type ByteRange = { start: number, end: number } | 'whole' | 'unsatisfiable'

export function byteRange (header: string | undefined, size: number): ByteRange {
  if (header === undefined) return 'whole'
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null || (match[1] === '' && match[2] === '')) return 'whole'
  if (match[1] === '') {
    // The last n bytes.
    const n = Number(match[2])
    if (n === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - n), end: size }
  }
  const start = Number(match[1])
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable'
  if (last < start) return 'whole'
  return { start, end: last + 1 }
}
