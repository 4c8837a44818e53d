import { describe, expect, it } from 'vitest'

import { mandelbrot } from './mandelbrot.js'
import { pi } from './pi.js'
import { primes } from './primes.js'
import { probe } from './probe.js'
import { builtinTasks, getTask, taskNames } from './registry.js'
import { wordcount } from './wordcount.js'

describe('registry', () => {
  it('holds the five built-ins by name', () => {
    expect(taskNames()).toEqual(['primes', 'pi', 'mandelbrot', 'probe', 'wordcount'])
    expect(builtinTasks.size).toBe(5)
    expect(getTask('probe')).toBe(probe)
    expect(getTask('primes')).toBe(primes)
    expect(getTask('pi')).toBe(pi)
    expect(getTask('mandelbrot')).toBe(mandelbrot)
    expect(getTask('wordcount')).toBe(wordcount)
  })

  it('throws UnknownTaskError for any other name', () => {
    for (const name of ['', 'Primes', 'constructor', '__proto__', 42 as unknown as string]) {
      expect(() => getTask(name)).toThrow(expect.objectContaining({ name: 'UnknownTaskError', task: String(name) }))
    }
    expect(() => getTask('nope')).toThrow('unknown task "nope"')
  })
})
