/**
 * Gives back what a burst of inbound bytes left behind. Once peers stop holding frames, the
 * buffers they filled are garbage, but V8 frees an ArrayBuffer's memory only when it collects the
 * ArrayBuffer, and an idle process may not collect for minutes: on Node 24 a coordinator stayed
 * ~150 MB over its idle level for as long as it was watched after two peers had held 128 MiB.
 * So when a burst is over (budget.ts says when), one full collection runs, a second later and
 * at most once in `minIntervalMs`.
 *
 * `gc` is exposed at run time the way test runners do it (the flag, then `gc` from a fresh
 * context); a process started with --expose-gc has it already.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type Collect = () => void

let collect: Collect | undefined

function collector (): Collect {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: Collect }).gc
    if (exposed !== undefined) collect = exposed
    else {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as Collect
    }
  }
  return collect
}

export interface Reclaimer {
  /** Asks for one collection soon; asks that come while one is pending or too recent wait for it. */
  request(): void
  stop(): void
}

export function reclaimer (delayMs = 1_000, minIntervalMs = 10_000): Reclaimer {
  let timer: NodeJS.Timeout | undefined
  let last = -Infinity
  return {
    request () {
      if (timer !== undefined) return
      const wait = Math.max(delayMs, last + minIntervalMs - Date.now())
      timer = setTimeout(() => {
        timer = undefined
        last = Date.now()
        collector()()
      }, wait)
      timer.unref()
    },
    stop () {
      clearTimeout(timer)
      timer = undefined
    }
  }
}
