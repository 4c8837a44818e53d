/**
 * One error class per condition, recognised by `name` (they cross HTTP and the wire as
 * `{ name, message }`).
 */

/** A string is not a blob name: a CIDv1 of raw bytes with a sha256 multihash (`bafkrei…`). */
export class InvalidBlobNameError extends Error {
  override readonly name = 'InvalidBlobNameError'
}

/** Bytes offered as a manifest are not one, or not the manifest the blob's name covers. */
export class InvalidManifestError extends Error {
  override readonly name = 'InvalidManifestError'
}

/** A piece's bytes do not hash to the digest its manifest lists (a peer lied, or bytes were damaged). */
export class PieceMismatchError extends Error {
  override readonly name = 'PieceMismatchError'
}

/** A blob is larger than the store or the upload may hold. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError'
}

/** An upload held no bytes: a blob is never empty. */
export class EmptyBlobError extends Error {
  override readonly name = 'EmptyBlobError'
}

/** The store holds no such blob (or not this piece of it, or not these bytes yet). */
export class UnknownBlobError extends Error {
  override readonly name = 'UnknownBlobError'
}

/** The peer asked holds no record of this custom task. */
export class UnknownTaskRecordError extends Error {
  override readonly name = 'UnknownTaskRecordError'
}

/** The store cannot make room: what it would have to evict is pinned by running jobs. */
export class BlobStoreFullError extends Error {
  override readonly name = 'BlobStoreFullError'
}
