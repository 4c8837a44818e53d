/** Injection token of the coordinator's blob store (`BlobsModule` provides it). */
export const BLOB_STORE = Symbol('BlobStore')
