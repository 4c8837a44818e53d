/**
 * The built-in tasks by name. A worker only ever runs what is in here (or, later, signed WASM):
 * a task name from the network is looked up, never imported.
 */
import { UnknownTaskError } from './errors.js'
import { mandelbrot } from './mandelbrot.js'
import { pi } from './pi.js'
import { primes } from './primes.js'
import { probe } from './probe.js'
import type { AnyTask } from './task.js'
import { wordcount } from './wordcount.js'

export const builtinTasks: ReadonlyMap<string, AnyTask> = new Map<string, AnyTask>(
  [primes, pi, mandelbrot, probe, wordcount].map((task) => [task.name, task])
)

/** The built-in task called `name`; throws `UnknownTaskError` for any other name. */
export function getTask (name: string): AnyTask {
  const task = typeof name === 'string' ? builtinTasks.get(name) : undefined
  if (task === undefined) throw new UnknownTaskError(String(name))
  return task
}

/** Names of the built-in tasks, in registration order. */
export function taskNames (): string[] {
  return [...builtinTasks.keys()]
}
