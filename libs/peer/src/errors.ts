/**
 * One class per condition. Errors are recognised by `name` (they may have crossed a thread or the
 * wire as `{ name, message }`), so every class sets a stable one.
 */

/** The peer was used before `start()` or after `stop()`. */
export class PeerNotStartedError extends Error {
  override name = 'PeerNotStartedError'
  constructor (message = 'the peer is not started') {
    super(message)
  }
}

/** `<dataDir>/peer-key` exists but does not hold a private key. */
export class InvalidIdentityError extends Error {
  override name = 'InvalidIdentityError'
  constructor (message = 'the identity key file is not a valid libp2p private key', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A peer id or multiaddr given to `dial`/`call` could not be parsed. */
export class InvalidPeerAddressError extends Error {
  override name = 'InvalidPeerAddressError'
  constructor (message = 'not a valid peer id or multiaddr', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The remote peer could not be reached (dial failed). */
export class DialFailedError extends Error {
  override name = 'DialFailedError'
  constructor (message = 'could not connect to the peer', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The remote peer has no handler for the requested protocol. */
export class ProtocolNotSupportedError extends Error {
  override name = 'ProtocolNotSupportedError'
  constructor (message = 'the remote peer does not support this protocol', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A frame (ours or the remote's) is larger than `maxFrameBytes`. */
export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError'
  constructor (message = 'frame larger than maxFrameBytes', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A frame's length prefix is not a valid unsigned LEB128 varint, or the stream ended mid-frame. */
export class InvalidFrameError extends Error {
  override name = 'InvalidFrameError'
  constructor (message = 'invalid frame', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * The stream ended or was reset before the answer arrived. The remote resets the stream when its
 * handler throws or when it refuses our frame, so this is also how a remote failure shows up.
 */
export class StreamClosedError extends Error {
  override name = 'StreamClosedError'
  constructor (message = 'the stream closed before the answer arrived', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The request did not complete within `requestTimeoutMs`. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError'
  constructor (message = 'the request timed out', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The caller's `signal` aborted the request. */
export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError'
  constructor (message = 'the request was aborted', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * A peer's requests would hold more than `maxInboundBytesPerPeer` bytes on this node; the stream
 * that would have taken it over is reset.
 */
export class InboundBudgetExceededError extends Error {
  override name = 'InboundBudgetExceededError'
  constructor (message = 'the peer is over maxInboundBytesPerPeer', options?: ErrorOptions) {
    super(message, options)
  }
}

/** More bytes wait unread on one stream than its reader buffers (two frames of the largest size). */
export class UnreadBytesError extends Error {
  override name = 'UnreadBytesError'
  constructor (message = 'too many bytes wait unread on the stream', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A call to this peer itself, on a protocol it does not serve. */
export class PeerNotServingError extends Error {
  override readonly name = 'PeerNotServingError'
}
