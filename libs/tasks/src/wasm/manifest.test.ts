import { describe, expect, it } from 'vitest'

import { InvalidManifestError, InvalidParamsError } from '../errors.js'
import { LIMIT_BOUNDS, parseManifest, taskId } from './manifest.js'
import { checkParams } from './param-shapes.js'
import { manifestWith } from './testing/modules.js'

const refused = (raw: unknown): InvalidManifestError => {
  try {
    parseManifest(raw)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidManifestError)
    return err as InvalidManifestError
  }
  throw new Error('the manifest was taken')
}

describe('task manifests', () => {
  it('fill their defaults and name their task name@version', () => {
    const manifest = parseManifest(manifestWith())
    expect(taskId(manifest)).toBe('test@1.0.0')
    expect(manifest.encoding).toBe('json')
    expect(manifest.description).toBe('')
    expect(manifest.limits).toEqual({
      memoryMb: 16,
      outputBytes: LIMIT_BOUNDS.outputBytes.fallback,
      chunkTimeoutMs: LIMIT_BOUNDS.chunkTimeoutMs.fallback,
      reduceMs: LIMIT_BOUNDS.reduceMs.fallback,
      resultBytes: LIMIT_BOUNDS.resultBytes.fallback
    })
  })

  it('are refused naming the field that is wrong', () => {
    expect(refused(manifestWith({ name: 'Sieve!' })).field).toBe('manifest.name')
    expect(refused(manifestWith({ version: '1.0' })).field).toBe('manifest.version')
    expect(refused(manifestWith({ colour: 'red' })).field).toBe('manifest.colour')
    expect(refused(manifestWith({ split: { kind: 'range', from: 'start', to: 'to' } })).message).toBe('manifest.split.from must name one of the params')
    expect(refused(manifestWith({ split: { kind: 'items', items: 'from' } })).message).toBe('manifest.split.items must name a param of type array, not integer')
    expect(refused(manifestWith({ split: { kind: 'slices' } })).field).toBe('manifest.split.kind')
    expect(refused(manifestWith({ combine: { kind: 'average' } })).field).toBe('manifest.combine.kind')
    expect(refused(manifestWith({ combine: { kind: 'min', by: 3 } })).field).toBe('manifest.combine.by')
    expect(refused(manifestWith({ encoding: 'xml' })).field).toBe('manifest.encoding')
    expect(refused(manifestWith({ limits: { memoryMb: 5000 } })).message).toBe('manifest.limits.memoryMb must be an integer from 1 to 4096')
    expect(refused(manifestWith({ params: { from: { type: 'integer' }, to: { type: 'date' } } })).field).toBe('manifest.params.to.type')
    expect(refused(manifestWith({ params: { from: { type: 'integer', min: 5, max: 1 }, to: { type: 'integer' } } })).field).toBe('manifest.params.from.max')
    expect(refused(manifestWith({ params: { from: { type: 'integer', optional: true }, to: { type: 'integer' } } })).message).toBe('manifest.split.from must name a param that is not optional')
    expect(refused(manifestWith({ exampleParams: { from: 0, to: -1 } })).message).toBe('manifest.exampleParams.to must be at least 1, got -1')
    expect(refused('sieve').field).toBe('manifest')
  })

  it('check a job\'s params against the declared shapes', () => {
    const shapes = parseManifest(manifestWith({
      params: {
        from: { type: 'integer', min: 0, default: 0 },
        to: { type: 'integer', max: 100 },
        label: { type: 'string', enum: ['a', 'b'], optional: true },
        weights: { type: 'array', items: { type: 'number' }, maxItems: 3, optional: true }
      }
    })).params
    expect(checkParams({ to: 10 }, shapes)).toEqual({ from: 0, to: 10 })
    expect(checkParams({ to: 10, label: 'b', weights: [0.5, 1] }, shapes)).toEqual({ from: 0, to: 10, label: 'b', weights: [0.5, 1] })
    const problem = (raw: unknown): string => {
      try {
        checkParams(raw, shapes)
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidParamsError)
        return (err as Error).message
      }
      return 'taken'
    }
    expect(problem({})).toBe('params.to is required')
    expect(problem({ to: 101 })).toBe('params.to must be at most 100, got 101')
    expect(problem({ to: 1.5 })).toBe('params.to must be an integer')
    expect(problem({ to: 10, label: 'c' })).toBe('params.label must be one of "a", "b"')
    expect(problem({ to: 10, weights: [1, 'x'] })).toBe('params.weights[1] must be a finite number')
    expect(problem({ to: 10, weights: [1, 2, 3, 4] })).toBe('params.weights must hold at most 3 items, got 4')
    expect(problem({ to: 10, colour: 1 })).toBe('params.colour is not a known field (expected from, to, label, weights)')
  })
})
