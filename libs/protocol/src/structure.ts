/**
 * A walk over the MessagePack headers of a message, before any value is built: msgpackr has no
 * limits of its own, and unpacking a 9 MB map of a million keys costs over half a second and as
 * much memory as the keys. Reading headers costs a few nanoseconds each and allocates nothing.
 */
import { MalformedMessageError, MessageTooComplexError } from './errors.js'

/** Values still to read at each open level; one decode at a time, so one stack will do. */
let stack: Float64Array = new Float64Array(32)

function truncated (): MalformedMessageError {
  return new MalformedMessageError('message is not valid MessagePack: it ends inside a value')
}

function reserved (): MalformedMessageError {
  return new MalformedMessageError('message is not valid MessagePack: it holds the reserved byte 0xc1')
}

/**
 * Checks that `bytes` is exactly one MessagePack value, that it is a map, that it has no
 * extension types (the protocol has none, and msgpackr's read values that this walk cannot see),
 * that its maps and arrays hold at most `maxEntries` entries and items in all (a map entry is a
 * key and its value), and that they nest at most `maxDepth` deep (the envelope is depth 1).
 * Refuses a header as soon as it is read, so a hostile message costs no more than its headers
 * up to the limit. Throws MalformedMessageError or MessageTooComplexError.
 */
export function checkStructure (bytes: Uint8Array, maxEntries: number, maxDepth: number): void {
  const end = bytes.byteLength
  const first = end > 0 ? bytes[0] : 0
  if (!((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf)) {
    if (end === 0) throw new MalformedMessageError('message is not valid MessagePack: it is empty')
    if (first === 0xc1) throw reserved()
    throw new MalformedMessageError()
  }
  let pos = 0
  let depth = 0
  let entries = 0
  // Values left to read in the innermost open map or array; the top level holds one.
  let left = 1
  for (;;) {
    while (left === 0) {
      if (depth === 0) {
        if (pos > end) throw truncated()
        if (pos < end) throw new MalformedMessageError('message is not valid MessagePack: bytes follow the value')
        return
      }
      left = stack[--depth]
    }
    left--
    if (pos >= end) throw truncated()
    const b = bytes[pos++]
    // Containers: `count` entries (a map's hold two values each).
    let count: number
    let values: number
    // Most tokens are keys and short strings, then small ints, then small maps: test those first.
    if (b >= 0xa0) {
      if (b < 0xc0) {
        pos += b & 0x1f // fixstr
        continue
      }
      if (b >= 0xe0) continue // negative fixint
    } else if (b < 0x80) {
      continue // positive fixint
    }
    if (b < 0x90) {
      count = b & 0x0f
      values = count * 2
    } else if (b < 0xa0) {
      count = b & 0x0f
      values = count
    } else {
      switch (b) {
        case 0xc0: case 0xc2: case 0xc3: continue // nil, false, true
        case 0xcc: case 0xd0: pos += 1; continue
        case 0xcd: case 0xd1: pos += 2; continue
        case 0xca: case 0xce: case 0xd2: pos += 4; continue
        case 0xcb: case 0xcf: case 0xd3: pos += 8; continue
        case 0xc4: case 0xd9: // bin 8, str 8
          if (pos + 1 > end) throw truncated()
          pos += 1 + bytes[pos]
          continue
        case 0xc5: case 0xda: // bin 16, str 16
          if (pos + 2 > end) throw truncated()
          pos += 2 + (bytes[pos] << 8 | bytes[pos + 1])
          continue
        case 0xc6: case 0xdb: // bin 32, str 32
          if (pos + 4 > end) throw truncated()
          pos += 4 + uint32(bytes, pos)
          continue
        case 0xdc: case 0xde: // array 16, map 16
          if (pos + 2 > end) throw truncated()
          count = bytes[pos] << 8 | bytes[pos + 1]
          pos += 2
          values = b === 0xde ? count * 2 : count
          break
        case 0xdd: case 0xdf: // array 32, map 32
          if (pos + 4 > end) throw truncated()
          count = uint32(bytes, pos)
          pos += 4
          values = b === 0xdf ? count * 2 : count
          break
        case 0xc1:
          throw reserved()
        default: // 0xc7–0xc9, 0xd4–0xd8: extensions
          throw new MalformedMessageError('message holds a MessagePack extension type, which the protocol does not use')
      }
    }
    entries += count
    if (entries > maxEntries) throw new MessageTooComplexError('maxEntries', maxEntries)
    if (depth + 1 > maxDepth) throw new MessageTooComplexError('maxDepth', maxDepth)
    if (values > 0) {
      if (depth === stack.length) stack = grow(stack)
      stack[depth++] = left
      left = values
    }
  }
}

/** Only as deep as a message goes, never as deep as a configured `maxDepth` allows. */
function grow (old: Float64Array): Float64Array {
  const bigger = new Float64Array(old.length * 2)
  bigger.set(old)
  return bigger
}

function uint32 (bytes: Uint8Array, pos: number): number {
  return bytes[pos] * 0x1000000 + (bytes[pos + 1] << 16 | bytes[pos + 2] << 8 | bytes[pos + 3])
}
