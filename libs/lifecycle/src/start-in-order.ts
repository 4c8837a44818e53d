import type { Startable } from './startable.js'

/**
 * Starts `parts` one after another, each once the one before it has started, and resolves with
 * the function that stops them all in the reverse order. Later parts may rely on earlier ones
 * being up (a runtime on its peer node); stopping in reverse lets each part still use what is
 * under it while it stops.
 *
 * When a part fails to start, the parts already started are stopped in reverse and the failure
 * is rethrown. (When one of those stops fails too, what is thrown is an AggregateError whose
 * first error, and `cause`, is the start failure.)
 *
 * The function returned stops every part even when some fail to stop, then throws an
 * AggregateError naming those that failed, with their errors in `errors`. Calling it again
 * returns the same promise: the parts are stopped once.
 *
 * Throws TypeError up front when `parts` is not an array of Startables.
 */
export async function startInOrder (parts: readonly Startable[]): Promise<() => Promise<void>> {
  if (!Array.isArray(parts)) throw new TypeError('parts must be an array of { start, stop }')
  parts.forEach((part, i) => {
    if (typeof part?.start !== 'function' || typeof part.stop !== 'function') {
      throw new TypeError(`parts[${i}] must have start() and stop() methods`)
    }
  })
  const list = [...parts]
  let started = 0
  for (; started < list.length; started++) {
    try {
      await list[started].start()
    } catch (err) {
      const failures = await stopInReverse(list, started)
      if (failures.length === 0) throw err
      throw new AggregateError([err, ...failures.map(f => f.error)],
        `${nameOf(list, started)} failed to start (${messageOf(err)}), and stopping the parts started before it failed too: ${describe(failures)}`,
        { cause: err })
    }
  }
  let stopped: Promise<void> | undefined
  return async () => {
    stopped ??= stopInReverse(list, list.length).then((failures) => {
      if (failures.length > 0) {
        throw new AggregateError(failures.map(f => f.error), `${failures.length} of ${list.length} parts failed to stop: ${describe(failures)}`)
      }
    })
    await stopped
  }
}

interface StopFailure {
  name: string
  error: unknown
}

/** Stops `parts[count - 1]` down to `parts[0]`, every one of them, and returns the failures. */
async function stopInReverse (parts: Startable[], count: number): Promise<StopFailure[]> {
  const failures: StopFailure[] = []
  for (let i = count - 1; i >= 0; i--) {
    try {
      await parts[i].stop()
    } catch (error) {
      failures.push({ name: nameOf(parts, i), error })
    }
  }
  return failures
}

/** `parts[2] (Runtime)`: its place in the list, and its class when it has one. */
function nameOf (parts: Startable[], i: number): string {
  const constructorName = (parts[i] as { constructor?: { name?: unknown } }).constructor?.name
  return typeof constructorName === 'string' && constructorName !== '' && constructorName !== 'Object'
    ? `parts[${i}] (${constructorName})`
    : `parts[${i}]`
}

function describe (failures: StopFailure[]): string {
  return failures.map(f => `${f.name}: ${messageOf(f.error)}`).join('; ')
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
