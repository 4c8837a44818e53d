/**
 * Sums of floating-point numbers that do not depend on the order they are added in: chunk outputs
 * are reduced in whatever order they arrive, and a job's result must be the same every time (and
 * on every replica's vote). A sum is kept as non-overlapping partials (Shewchuk's algorithm, as
 * Python's `math.fsum`), exact until it is read, and read rounded once, correctly.
 */

/** Adds `x` to `partials` exactly, in place; returns `partials`. */
export function addExact (partials: number[], x: number): number[] {
  let kept = 0
  for (let y of partials) {
    if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x]
    const hi = x + y
    const lo = y - (hi - x)
    if (lo !== 0) partials[kept++] = lo
    x = hi
  }
  partials.length = kept
  partials.push(x)
  return partials
}

/** The exact sum that `partials` hold, rounded once to the nearest double (ties to even). */
export function exactSum (partials: readonly number[]): number {
  let n = partials.length
  if (n === 0) return 0
  let hi = partials[--n]
  let lo = 0
  while (n > 0) {
    const x = hi
    const y = partials[--n]
    hi = x + y
    lo = y - (hi - x)
    if (lo !== 0) break
  }
  // Half-way cases: the partials below `lo` decide which way the rounding goes.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2
    const x = hi + y
    if (y === x - hi) hi = x
  }
  return hi
}
