/**
 * One error class per condition. Errors that cross a thread or the wire travel as
 * `{ name, message }` and are recognised by `name`, never by bare `instanceof`.
 */

/** A chunk ran past its job's time limit (`Lease.timeoutMs`); its thread was stopped. */
export class TaskTimeoutError extends Error {
  override readonly name = 'TaskTimeoutError'

  constructor (message = 'the chunk ran longer than its time limit') {
    super(message)
  }
}

/**
 * A lease was asked to move in a way its state does not allow (start one that is not queued,
 * report one that is not running): a bug in the caller, never a peer's doing.
 */
export class LeaseStateError extends Error {
  override readonly name = 'LeaseStateError'

  constructor (message = 'the lease cannot make that move from its state') {
    super(message)
  }
}

/** A lease id the book does not hold. */
export class UnknownLeaseError extends Error {
  override readonly name = 'UnknownLeaseError'
  readonly leaseId: string

  constructor (leaseId: string) {
    super(`lease ${leaseId} is not in the book`)
    this.leaseId = leaseId
  }
}

/** A request from a peer this worker does not work for; the words are what peers have always been told. */
export class NotAnAccumulationPointError extends Error {
  override readonly name = 'NotAnAccumulationPointError'
  readonly peerId: string

  constructor (peerId: string) {
    super(`peer ${peerId} is not this worker's coordinator`)
    this.peerId = peerId
  }
}
