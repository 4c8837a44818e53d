/** A blob as `GET /api/blobs` lists it and `POST /api/blobs` answers. */
export interface BlobView {
  name: string
  size: number
  pieces: number
  /** False while it is still being fetched from peers. */
  complete: boolean
  /** Needed by a queued or running job (or being read): it is not evicted. */
  inUse: boolean
  /** ISO 8601. */
  lastUsed: string
}
