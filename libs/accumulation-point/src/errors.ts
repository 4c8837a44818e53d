/**
 * One error class per condition, recognised by `name` (it crosses the wire as `{name, message}`).
 */

/**
 * A request reached an accumulation point that has stopped serving (its node is still up, on its
 * way down). Not a protocol error: a worker retries such a request later, elsewhere or here.
 */
export class AccumulationPointStoppedError extends Error {
  override readonly name = 'AccumulationPointStoppedError'

  constructor (message = 'this accumulation point is not serving') {
    super(message)
  }
}
