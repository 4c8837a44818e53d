// sieve: how many primes lie in [from, to), as a cycleshare task in AssemblyScript.
// The same segmented sieve of Eratosthenes as the built-in `primes` task: each chunk counts its
// own range, one 32 KiB segment of odd numbers at a time, and checkpoints every 64 segments.
import { checkpoint, input, Json, outputJson } from '../assemblyscript/cycleshare'
export { alloc } from '../assemblyscript/cycleshare'

const SEGMENT_ODDS: i32 = 32768
const CHECKPOINT_EVERY: i32 = 64

/** Odd primes up to `limit`. */
function oddPrimesUpTo (limit: i32): Uint32Array {
  const composite = new Uint8Array(limit + 1)
  const found = new Array<u32>()
  for (let n = 3; n <= limit; n += 2) {
    if (unchecked(composite[n]) == 1) continue
    found.push(<u32>n)
    for (let m = <i64>n * n; m <= limit; m += 2 * n) unchecked(composite[<i32>m] = 1)
  }
  const primes = new Uint32Array(found.length)
  for (let i = 0; i < found.length; i++) unchecked(primes[i] = found[i])
  return primes
}

function isqrt (n: i64): i32 {
  let r = <i64>Math.floor(Math.sqrt(<f64>n))
  while (r * r > n) r--
  while ((r + 1) * (r + 1) <= n) r++
  return <i32>r
}

/** Primes in [from, to), going on from `next` with `count` found before it. */
function countPrimes (from: i64, to: i64, next: i64, count: i64): i64 {
  const start = next
  if (start <= 2 && to > 2) count++
  let low = start < 3 ? <i64>3 : start
  if (low % 2 == 0) low++
  if (low >= to) return count

  const primes = oddPrimesUpTo(isqrt(to - 1))
  const nextIndex = new Int32Array(primes.length)
  let active = 0
  const segment = new Uint8Array(SEGMENT_ODDS)
  let segments = 0
  for (; low < to; low += 2 * SEGMENT_ODDS) {
    const high = min(low + 2 * SEGMENT_ODDS, to)
    const length = <i32>((high - low + 1) >> 1)
    memory.fill(segment.dataStart, 0, length)
    while (active < primes.length && <i64>unchecked(primes[active]) * unchecked(primes[active]) < high) {
      const p = <i64>unchecked(primes[active])
      let first = p * p
      if (first < low) {
        const rest = low % p
        first = rest == 0 ? low : low + p - rest
        if (first % 2 == 0) first += p
      }
      unchecked(nextIndex[active++] = <i32>((first - low) / 2))
    }
    const base = segment.dataStart
    for (let k = 0; k < active; k++) {
      const p = <i32>unchecked(primes[k])
      let i = unchecked(nextIndex[k])
      for (; i < length; i += p) store<u8>(base + i, 1)
      unchecked(nextIndex[k] = i - SEGMENT_ODDS)
    }
    let found: i32 = 0
    for (let i = 0; i < length; i++) found += load<u8>(base + i) ^ 1
    count += found
    if (++segments % CHECKPOINT_EVERY == 0 && high < to) {
      checkpoint('{"next":' + high.toString() + ',"count":' + count.toString() + '}')
    }
  }
  return count
}

export function run (ptr: usize, len: i32, _data: usize, _dataLen: i32): void {
  const doc = Json.parse(input(ptr, len))
  const from = <i64>doc.get('from').num
  const to = <i64>doc.get('to').num
  let next = from
  let count: i64 = 0
  const resume = doc.get('resume')
  if (!resume.isNull) {
    next = <i64>resume.get('next').num
    count = <i64>resume.get('count').num
  }
  outputJson(countPrimes(from, to, next, count).toString())
}
