import { Packr } from 'msgpackr'

// Plain msgpack without msgpackr's record extension: blobs stay readable by any msgpack decoder
// and independent of this process's record structures.
const packr = new Packr({ useRecords: false })

/** Params, accumulators and results as stored in SQLite. */
export function encode (value: unknown): Buffer {
  return packr.pack(value)
}

export function decode (blob: Uint8Array): unknown {
  return packr.unpack(blob)
}
