import { decode } from 'fast-png'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'

import { taskCompliance } from './compliance.suite.js'
import { MANDELBROT_DEFAULTS, mandelbrot, type MandelbrotInput, type MandelbrotOutput, type MandelbrotParams } from './mandelbrot.js'

function render (params: MandelbrotParams, chunks: number): Uint8Array {
  let acc = mandelbrot.init(params, chunks)
  for (let index = 0; index < chunks; index++) {
    const output = mandelbrot.run(mandelbrot.chunk(params, chunks, index)) as MandelbrotOutput
    acc = mandelbrot.reduce(acc, output, index, params, chunks)
  }
  return mandelbrot.finalize(acc, params, chunks)
}

function pixelAt (png: ReturnType<typeof decode>, x: number, y: number): number[] {
  const at = (y * png.width + x) * png.channels
  return Array.from(png.data.slice(at, at + 3))
}

describe('mandelbrot', () => {
  it('renders the default view to a PNG: black inside the set, coloured outside', () => {
    const params = mandelbrot.parseParams({}, 12)
    expect(params).toEqual(MANDELBROT_DEFAULTS)
    const png = decode(render(params, 12))
    expect([png.width, png.height, png.channels, png.depth]).toEqual([800, 600, 3, 8])
    // Column 571, row 300 is the point nearest the origin, deep in the main cardioid.
    expect(pixelAt(png, 571, 300)).toEqual([0, 0, 0])
    // (−1, 0) is the centre of the period-2 bulb; (−0.122, 0.746), in the period-3 bulb, is
    // iterated in full rather than caught by the cardioid and bulb shortcut.
    expect(pixelAt(png, Math.floor(1.5 / 3.5 * 800), 300)).toEqual([0, 0, 0])
    expect(pixelAt(png, 543, 129)).toEqual([0, 0, 0])
    // The corners are far outside: every point escapes at once.
    expect(pixelAt(png, 0, 0)).not.toEqual([0, 0, 0])
    expect(pixelAt(png, 799, 599)).not.toEqual([0, 0, 0])
  })

  it('draws the same image whatever the chunk count', () => {
    const params = mandelbrot.parseParams({ width: 97, height: 31, maxIterations: 100 }, 1)
    expect(render(params, 1)).toEqual(render(params, 31))
  })

  it('pastes bands into an accumulator that came back from msgpack as a Buffer', () => {
    const packr = new Packr({ useRecords: false })
    const params = mandelbrot.parseParams({ width: 8, height: 4 }, 2)
    const stored = packr.unpack(packr.pack(mandelbrot.init(params, 2))) as Uint8Array
    expect(Buffer.isBuffer(stored)).toBe(true)
    const output = mandelbrot.run(mandelbrot.chunk(params, 2, 1)) as MandelbrotOutput
    const acc = mandelbrot.reduce(stored, output, 1, params, 2)
    expect(Uint8Array.from(acc.subarray(2 * 8 * 3))).toEqual(Uint8Array.from(output.pixels))
    expect(acc.subarray(0, 2 * 8 * 3).every((byte) => byte === 0)).toBe(true)
    expect(() => mandelbrot.reduce(new Uint8Array(3), output, 1, params, 2)).toThrow(TypeError)
  })

  it('rejects bad params naming the field', () => {
    const bad: Array<[unknown, number, string]> = [
      [{ width: 0 }, 1, 'params.width'],
      [{ width: 4097, height: 1 }, 1, 'params.width'],
      [{ width: 1.5 }, 1, 'params.width'],
      [{ height: 'tall' }, 1, 'params.height'],
      [{ width: 4096, height: 4096 }, 1, 'params.height'],
      [{ maxIterations: 0 }, 1, 'params.maxIterations'],
      [{ maxIterations: 1_000_001 }, 1, 'params.maxIterations'],
      [{ xMin: Number.NaN }, 1, 'params.xMin'],
      [{ yMax: Number.POSITIVE_INFINITY }, 1, 'params.yMax'],
      [{ xMin: 1, xMax: 1 }, 1, 'params.xMax'],
      [{ yMin: 2, yMax: 1 }, 1, 'params.yMax'],
      [{ height: 10 }, 11, 'chunks']
    ]
    for (const [raw, chunks, field] of bad) {
      expect(() => mandelbrot.parseParams(raw, chunks), field).toThrow(expect.objectContaining({ name: 'InvalidParamsError', field }))
    }
    expect(mandelbrot.parseParams({ width: 2048, height: 2048 }, 1).width).toBe(2048)
  })
})

const bands = (inputs: readonly MandelbrotInput[]): Array<[number, number]> => inputs.map(({ rowStart, rowEnd }) => [rowStart, rowEnd])

taskCompliance(mandelbrot, {
  cases: [
    {
      name: '64×48 in 5 bands',
      params: { width: 64, height: 48 },
      chunks: 5,
      spans: bands,
      total: ({ height }) => [0, height],
      check: (png) => {
        const image = decode(png)
        expect([image.width, image.height]).toEqual([64, 48])
      }
    },
    {
      name: 'a zoomed view, one row per chunk',
      params: { width: 16, height: 9, maxIterations: 500, xMin: -0.75, xMax: -0.73, yMin: 0.1, yMax: 0.11 },
      chunks: 9,
      spans: bands,
      total: ({ height }) => [0, height],
      check: (png) => expect(decode(png).height).toBe(9)
    }
  ],
  lazy: { params: { width: 1, height: 4096 }, chunks: 4096 },
  invalidParams: [{ params: { height: 3 }, chunks: 4, field: 'chunks' }],
  invalidOutputs: (valid, input) => [
    { output: { ...valid, rowStart: input.rowStart + 1 }, field: 'output.rowStart' },
    { output: { ...valid, rowEnd: input.rowEnd + 1 }, field: 'output.rowEnd' },
    { output: { ...valid, pixels: valid.pixels.subarray(1) }, field: 'output.pixels' },
    { output: { ...valid, pixels: Array.from(valid.pixels) }, field: 'output.pixels' },
    { output: { ...valid, pixels: new Uint16Array(valid.pixels.length) }, field: 'output.pixels' },
    { output: { rowStart: valid.rowStart, rowEnd: valid.rowEnd }, field: 'output.pixels' }
  ],
  tamper: (valid) => {
    const pixels = Uint8Array.from(valid.pixels)
    pixels[0] ^= 1
    return { ...valid, pixels }
  }
})
