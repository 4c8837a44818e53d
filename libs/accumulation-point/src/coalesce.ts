/** An action asked for any number of times in one turn of the event loop and run once, on the next. */
export interface Coalesced {
  request: () => void
  /** Forgets a request not run yet. */
  cancel: () => void
}

/**
 * Turns a burst of events (a batch of reissues, several submissions) into one run of `fn`.
 * Several coalesced actions requested by the same event run in the order they were requested.
 */
export function coalesce (fn: () => void): Coalesced {
  let queued: ReturnType<typeof setImmediate> | undefined
  return {
    request () {
      queued ??= setImmediate(() => {
        queued = undefined
        fn()
      })
    },
    cancel () {
      if (queued !== undefined) clearImmediate(queued)
      queued = undefined
    }
  }
}
