/** Bitfields of pieces held: one bit a piece, the first piece in the high bit of byte 0 (as on the wire). */

export function hasBit (bits: Uint8Array | undefined, index: number): boolean {
  return bits !== undefined && ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
}

export function countBits (bits: Uint8Array, pieces: number): number {
  let n = 0
  for (let i = 0; i < pieces; i++) if (hasBit(bits, i)) n++
  return n
}
