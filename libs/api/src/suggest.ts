/** The known name closest to `name` (a typo: at most 2 edits, or the same but for case), if any. */
export function closest (name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of known) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : distance(name, candidate)
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  return best
}

/** `unknown field "chunk" (did you mean "chunks"?)`, or without the question when nothing is close. */
export function unknownName (what: string, name: string, known: readonly string[]): string {
  const near = closest(name, known)
  return `unknown ${what} ${JSON.stringify(name)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`
}

/** Levenshtein distance, for short names. */
function distance (a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }
  return previous[b.length]
}
