/** What `GET /api/health` answers. */

/** Counts since the accumulation point started. */
export interface DispatchStats {
  /** Pulls taken (from connected peers, within their budgets). */
  pulls: number
  /** Pulls that found nothing to lease (their workers are served when work arrives). */
  emptyPulls: number
  /** Assigns sent, and the leases they carried. */
  assigns: number
  leases: number
}

export interface BlobServerStats {
  /** Pieces sent, and their bytes, since start. */
  piecesServed: number
  bytesServed: number
}

export interface HealthView {
  status: 'ok'
  peerId: string
  multiaddrs: string[]
  dispatch: DispatchStats
  blobs: BlobServerStats
}
