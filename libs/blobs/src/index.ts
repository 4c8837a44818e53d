/**
 * @packageDocumentation
 *
 * Content-addressed blobs: immutable bytes cut into pieces (1 MiB) whose sha256 digests a manifest
 * lists; the blob's name is a CID of the manifest, so every piece can be checked against the
 * name before it is used or passed on. `BlobStore` keeps blobs, whole or in part, on disk under
 * a size cap, evicting the least recently used that no running job pins. `serveBlobs` answers other
 * peers on `/cycleshare/blob/1.0.0`; `fetchBlob` gets the pieces a peer needs from the peers that
 * have them, rarest first, and from its seeds (the coordinator) only what no peer has.
 *
 * @example
 * ```ts
 * import { BlobStore } from '@cycleshare/blobs'
 *
 * const store = await BlobStore.open({ dir: join(dataDir, 'blobs'), maxBytes: 10 * 2 ** 30 })
 * const { name } = await store.add(request) // any async iterable of bytes, never held whole
 * const unpin = store.pin(name)             // a running job needs it: never evicted
 * ```
 */
export { DIGEST_BYTES, MAX_PIECES, PIECE_SIZE } from './constants.js'
export { BlobStoreFullError, BlobTooLargeError, EmptyBlobError, InvalidBlobNameError, InvalidManifestError, PieceMismatchError, UnknownBlobError, UnknownTaskRecordError } from './errors.js'
export { ingest, type IngestOptions } from './ingest.js'
export { checkManifest, decodeManifest, encodeManifest, nameOf, parseBlobName, pieceBounds, pieceCount, sha256, type Manifest } from './manifest.js'
export { BlobStore, type BlobInfo, type BlobStoreInit } from './store.js'
export { copyCompleteBlobs } from './copy.js'
export { serveBlobs, type BlobServer, type BlobServerComponents, type BlobServerStats, type TaskRecord } from './serve.js'
export { fetchBlob, type FetchComponents, type FetchOptions, type FetchPeer, type FetchResult } from './fetch.js'
