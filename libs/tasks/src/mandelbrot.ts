/**
 * `mandelbrot`: renders a view of the Mandelbrot set to a PNG. Each chunk is a band of rows,
 * coloured with a smooth (fractional escape count) palette, black inside the set; the reducer
 * pastes bands into one RGB image and `finalize` encodes it.
 */
import { encode } from 'fast-png'

import { InvalidInputError, InvalidOutputError, InvalidParamsError } from './errors.js'
import type { Task } from './task.js'
import { bytes, chunkCount, type FieldErrorClass, finite, integer, piece, record } from './validate.js'

export interface MandelbrotParams {
  width: number
  height: number
  maxIterations: number
  xMin: number
  xMax: number
  yMin: number
  yMax: number
}
export interface MandelbrotInput extends MandelbrotParams { rowStart: number, rowEnd: number }
export interface MandelbrotOutput {
  rowStart: number
  rowEnd: number
  /** RGB, 3 bytes per pixel, row after row: width × (rowEnd − rowStart) × 3 bytes. */
  pixels: Uint8Array
}
/** The whole RGB image, width × height × 3 bytes. */
export type MandelbrotAcc = Uint8Array

/** The classic full view at 800×600. */
export const MANDELBROT_DEFAULTS: Readonly<MandelbrotParams> = Object.freeze({
  width: 800,
  height: 600,
  maxIterations: 256,
  xMin: -2.5,
  xMax: 1,
  yMin: -1.3125,
  yMax: 1.3125
})
export const MANDELBROT_MAX_SIDE = 4096
/** 2048 × 2048: a 12 MiB RGB accumulator, a size every store and stream can carry. */
export const MANDELBROT_MAX_PIXELS = 4_194_304
export const MANDELBROT_MAX_ITERATIONS = 1_000_000

/** |z|² beyond which a point escapes; large, so the fractional escape count is smooth. */
const ESCAPE = 256
const PALETTE_SIZE = 1024
const PALETTE = buildPalette()

/** A cosine gradient (deep blue → white → amber → dark), computed once per thread. */
function buildPalette (): Uint8Array {
  const palette = new Uint8Array(PALETTE_SIZE * 3)
  for (let i = 0; i < PALETTE_SIZE; i++) {
    const t = i / (PALETTE_SIZE - 1)
    const channel = (phase: number): number =>
      Math.round(255 * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t + phase))))
    palette[i * 3] = channel(0.5)
    palette[i * 3 + 1] = channel(0.6)
    palette[i * 3 + 2] = channel(0.75)
  }
  return palette
}

const PARAM_KEYS = ['width', 'height', 'maxIterations', 'xMin', 'xMax', 'yMin', 'yMax'] as const
const INPUT_KEYS = [...PARAM_KEYS, 'rowStart', 'rowEnd'] as const

function view (rec: Record<string, unknown>, path: string, Fail: FieldErrorClass, defaults?: Readonly<MandelbrotParams>): MandelbrotParams {
  const width = integer(rec.width, `${path}.width`, 1, MANDELBROT_MAX_SIDE, Fail, defaults?.width)
  const height = integer(rec.height, `${path}.height`, 1, MANDELBROT_MAX_SIDE, Fail, defaults?.height)
  if (width * height > MANDELBROT_MAX_PIXELS) {
    throw new Fail(`${path}.height`, `makes ${width * height} pixels; width × height must be at most ${MANDELBROT_MAX_PIXELS}`)
  }
  const maxIterations = integer(rec.maxIterations, `${path}.maxIterations`, 1, MANDELBROT_MAX_ITERATIONS, Fail, defaults?.maxIterations)
  const xMin = finite(rec.xMin, `${path}.xMin`, Fail, defaults?.xMin)
  const xMax = finite(rec.xMax, `${path}.xMax`, Fail, defaults?.xMax)
  const yMin = finite(rec.yMin, `${path}.yMin`, Fail, defaults?.yMin)
  const yMax = finite(rec.yMax, `${path}.yMax`, Fail, defaults?.yMax)
  if (xMax <= xMin) throw new Fail(`${path}.xMax`, `must be greater than ${path}.xMin (${xMin}), got ${xMax}`)
  if (yMax <= yMin) throw new Fail(`${path}.yMax`, `must be greater than ${path}.yMin (${yMin}), got ${yMax}`)
  return { width, height, maxIterations, xMin, xMax, yMin, yMax }
}

/** Renders rows [rowStart, rowEnd) of the view as RGB. */
export function renderRows (input: MandelbrotInput): Uint8Array {
  const { width, height, maxIterations, xMin, xMax, yMin, yMax, rowStart, rowEnd } = input
  const pixels = new Uint8Array(width * (rowEnd - rowStart) * 3)
  const dx = (xMax - xMin) / width
  const dy = (yMax - yMin) / height
  let out = 0
  for (let row = rowStart; row < rowEnd; row++) {
    const cy = yMax - (row + 0.5) * dy
    for (let column = 0; column < width; column++, out += 3) {
      const cx = xMin + (column + 0.5) * dx
      // The main cardioid and the period-2 bulb hold most of the set's area: skip iterating them.
      const xq = cx - 0.25
      const q = xq * xq + cy * cy
      if (q * (q + xq) <= 0.25 * cy * cy || (cx + 1) * (cx + 1) + cy * cy <= 0.0625) continue
      let zr = 0
      let zi = 0
      let zr2 = 0
      let zi2 = 0
      let n = 0
      while (n < maxIterations && zr2 + zi2 <= ESCAPE) {
        zi = 2 * zr * zi + cy
        zr = zr2 - zi2 + cx
        zr2 = zr * zr
        zi2 = zi * zi
        n++
      }
      if (zr2 + zi2 <= ESCAPE) continue // never escaped: inside, stays black
      // Fractional escape count: n + 1 − log2(log|z|), continuous across iteration bands.
      const smooth = n + 1 - Math.log2(0.5 * Math.log(zr2 + zi2))
      const position = Math.sqrt(Math.max(0, smooth) / maxIterations)
      const entry = Math.min(PALETTE_SIZE - 1, Math.floor(position * (PALETTE_SIZE - 1))) * 3
      pixels[out] = PALETTE[entry]
      pixels[out + 1] = PALETTE[entry + 1]
      pixels[out + 2] = PALETTE[entry + 2]
    }
  }
  return pixels
}

export const mandelbrot: Task<MandelbrotParams, MandelbrotInput, MandelbrotOutput, MandelbrotAcc, Uint8Array> = {
  name: 'mandelbrot',
  description: 'Renders a view of the Mandelbrot set as a PNG, in bands of rows (width × height ≤ 4,194,304).',
  exampleParams: { ...MANDELBROT_DEFAULTS },
  resultType: 'image/png',

  parseParams (raw, chunks) {
    const params = view(record(raw ?? {}, 'params', PARAM_KEYS, InvalidParamsError), 'params', InvalidParamsError, MANDELBROT_DEFAULTS)
    chunkCount(chunks, params.height, 'row')
    return params
  },

  chunk (params, count, index) {
    const { start, end } = piece(params.height, count, index)
    return { ...params, rowStart: start, rowEnd: end }
  },

  parseOutput (raw, input) {
    const rec = record(raw, 'output', ['rowStart', 'rowEnd', 'pixels'], InvalidOutputError)
    const rowStart = integer(rec.rowStart, 'output.rowStart', input.rowStart, input.rowStart, InvalidOutputError)
    const rowEnd = integer(rec.rowEnd, 'output.rowEnd', input.rowEnd, input.rowEnd, InvalidOutputError)
    const pixels = bytes(rec.pixels, 'output.pixels', input.width * (rowEnd - rowStart) * 3, InvalidOutputError)
    return { rowStart, rowEnd, pixels }
  },

  run (raw: MandelbrotInput) {
    const rec = record(raw, 'input', INPUT_KEYS, InvalidInputError)
    const params = view(rec, 'input', InvalidInputError)
    const rowStart = integer(rec.rowStart, 'input.rowStart', 0, params.height - 1, InvalidInputError)
    const rowEnd = integer(rec.rowEnd, 'input.rowEnd', rowStart + 1, params.height, InvalidInputError)
    return { rowStart, rowEnd, pixels: renderRows({ ...params, rowStart, rowEnd }) }
  },

  init (params) {
    return new Uint8Array(params.width * params.height * 3)
  },

  /**
   * Pastes the band into the image in place and returns it: copying a 12 MiB image per chunk
   * would cost more than the chunk. Bands are disjoint, so order does not matter; a Buffer
   * (the accumulator back from msgpack) is a Uint8Array and works the same.
   */
  reduce (acc, output, _index, params) {
    const size = params.width * params.height * 3
    if (!(acc instanceof Uint8Array) || acc.length !== size) {
      throw new TypeError(`mandelbrot accumulator must be a Uint8Array of ${size} bytes`)
    }
    acc.set(output.pixels, output.rowStart * params.width * 3)
    return acc
  },

  finalize (acc, params) {
    return encode({ width: params.width, height: params.height, data: acc, channels: 3, depth: 8 })
  },

  same (a, b) {
    if (a.rowStart !== b.rowStart || a.rowEnd !== b.rowEnd || a.pixels.length !== b.pixels.length) return false
    return Buffer.compare(a.pixels, b.pixels) === 0
  }
}
