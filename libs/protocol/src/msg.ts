import { toWireError } from './errors.js'
import { MessageKind, PROTOCOL_VERSION } from './messages.js'
import type {
  AssignedMessage, AssignMessage, BlobSource, CancelledMessage, CancelMessage, Capacity, ChunkResult, ErrorMessage,
  DescribedMessage, DescribeMessage, FetchMessage, Lease, LeaseCheckpoint, LocatedMessage, LocateMessage, OfferMessage, PieceMessage, PullMessage, ReleasedMessage, ReleaseMessage, RenewedMessage, RenewMessage,
  ReportedMessage, ReportMessage, TakenMessage, Transfer, TransferMessage, TransferredMessage, WorkMessage
} from './messages.js'

const v = PROTOCOL_VERSION

/**
 * Builds every message with its envelope, so callers never write `v` or `kind` by hand.
 * Gossip messages take their named fields; stream messages take their lists in field order.
 * The builders do not validate: the receiver's `decode` does, and `encode` checks the size.
 */
export const msg = {
  work: ({ pending, tasks, addrs }: { pending: number, tasks: string[], addrs?: string[] }): WorkMessage =>
    addrs === undefined || addrs.length === 0 ? { v, kind: MessageKind.Work, pending, tasks } : { v, kind: MessageKind.Work, pending, tasks, addrs },
  pull: ({ slots, tasks, capacity, addrs }: { slots: number, tasks: string[], capacity: Capacity, addrs?: string[] }): PullMessage =>
    addrs === undefined || addrs.length === 0 ? { v, kind: MessageKind.Pull, slots, tasks, capacity } : { v, kind: MessageKind.Pull, slots, tasks, capacity, addrs },
  assign: (leases: Lease[]): AssignMessage =>
    ({ v, kind: MessageKind.Assign, leases }),
  assigned: (accepted: string[], refused: string[]): AssignedMessage =>
    ({ v, kind: MessageKind.Assigned, accepted, refused }),
  report: (results: ChunkResult[]): ReportMessage =>
    ({ v, kind: MessageKind.Report, results }),
  reported: (accepted: string[], rejected: ReportedMessage['rejected'], credit?: number): ReportedMessage =>
    credit === undefined ? { v, kind: MessageKind.Reported, accepted, rejected } : { v, kind: MessageKind.Reported, accepted, rejected, credit },
  /** Optional fields are left out when empty: a peer that does not know them sees the message it knows. */
  renew: (leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): RenewMessage =>
    checkpoints.length === 0 ? { v, kind: MessageKind.Renew, leaseIds } : { v, kind: MessageKind.Renew, leaseIds, checkpoints },
  renewed: (renewed: string[], ttlMs: number, lost: string[], refused: NonNullable<RenewedMessage['refused']> = []): RenewedMessage =>
    refused.length === 0 ? { v, kind: MessageKind.Renewed, renewed, ttlMs, lost } : { v, kind: MessageKind.Renewed, renewed, ttlMs, lost, refused },
  release: (leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): ReleaseMessage =>
    checkpoints.length === 0 ? { v, kind: MessageKind.Release, leaseIds } : { v, kind: MessageKind.Release, leaseIds, checkpoints },
  released: (released: string[]): ReleasedMessage =>
    ({ v, kind: MessageKind.Released, released }),
  cancel: (leaseIds: string[]): CancelMessage =>
    ({ v, kind: MessageKind.Cancel, leaseIds }),
  cancelled: (cancelled: string[]): CancelledMessage =>
    ({ v, kind: MessageKind.Cancelled, cancelled }),
  offer: (coordinator: string, leases: Lease[], transfers: Transfer[]): OfferMessage =>
    ({ v, kind: MessageKind.Offer, coordinator, leases, transfers }),
  taken: (accepted: string[], refused: string[]): TakenMessage =>
    ({ v, kind: MessageKind.Taken, accepted, refused }),
  transfer: (transfers: Transfer[], checkpoints: LeaseCheckpoint[] = []): TransferMessage =>
    checkpoints.length === 0 ? { v, kind: MessageKind.Transfer, transfers } : { v, kind: MessageKind.Transfer, transfers, checkpoints },
  transferred: (moved: TransferredMessage['moved'], refused: TransferredMessage['refused']): TransferredMessage =>
    ({ v, kind: MessageKind.Transferred, moved, refused }),
  locate: (blob: string, addrs: string[]): LocateMessage =>
    ({ v, kind: MessageKind.Locate, blob, addrs }),
  /** Nil for what the server does not hold (MessagePack has no undefined). */
  located: (manifest: Uint8Array | undefined, have: Uint8Array | undefined, peers: BlobSource[]): LocatedMessage =>
    ({ v, kind: MessageKind.Located, manifest: manifest ?? null, have: have ?? null, peers }),
  fetch: (blob: string, pieces: number[]): FetchMessage =>
    ({ v, kind: MessageKind.Fetch, blob, pieces }),
  piece: (index: number, bytes: Uint8Array, have: Uint8Array): PieceMessage =>
    ({ v, kind: MessageKind.Piece, index, bytes, have }),
  describe: (task: string): DescribeMessage =>
    ({ v, kind: MessageKind.Describe, task }),
  described: (record: Omit<DescribedMessage, 'v' | 'kind'>): DescribedMessage =>
    ({ v, kind: MessageKind.Described, task: record.task, manifest: record.manifest, module: record.module, signer: record.signer, signature: record.signature }),
  /** The answer to a request that failed: anything thrown becomes `{ name, message }`. */
  error: (err: unknown): ErrorMessage =>
    ({ v, kind: MessageKind.Error, ...toWireError(err) }),
  /** A successful chunk result, for `report`. */
  ok: (leaseId: string, output: unknown, cpuMs?: number): ChunkResult =>
    cpuMs === undefined ? { leaseId, ok: true, output } : { leaseId, ok: true, output, cpuMs },
  /** A failed chunk result, for `report`: anything thrown becomes `{ name, message }`. */
  failed: (leaseId: string, err: unknown): ChunkResult =>
    ({ leaseId, ok: false, error: toWireError(err) })
} as const
