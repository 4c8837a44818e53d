/**
 * Every message cycleshare puts on the wire. One envelope: `{ v, kind, ...fields }`, msgpack
 * encoded. `v` is PROTOCOL_VERSION; a peer rejects versions it does not speak.
 */
export const PROTOCOL_VERSION = 1

export const MessageKind = {
  /** gossip, coordinator → all: work is pending. */
  Work: 'work',
  /** gossip, worker → all: I have free slots. */
  Pull: 'pull',
  /** stream, coordinator → worker: leases for you. Answered by `assigned`. */
  Assign: 'assign',
  Assigned: 'assigned',
  /** stream, worker → coordinator: finished chunks. Answered by `reported`. */
  Report: 'report',
  Reported: 'reported',
  /** stream, worker → coordinator: extend these leases. Answered by `renewed`. */
  Renew: 'renew',
  Renewed: 'renewed',
  /** stream, worker → coordinator: give these leases back unfinished. Answered by `released`. */
  Release: 'release',
  Released: 'released',
  /** stream, coordinator → worker: stop these leases (job cancelled). Answered by `cancelled`. */
  Cancel: 'cancel',
  Cancelled: 'cancelled',
  /** stream, worker → worker: take these leases from me (handoff). Answered by `taken`. */
  Offer: 'offer',
  Taken: 'taken',
  /** stream, worker → coordinator: move these leases to the peers their holders signed them over to. Answered by `transferred`. */
  Transfer: 'transfer',
  Transferred: 'transferred',
  /** stream, peer → peer: what do you hold of this blob, and who else asked you for it? Answered by `located`. */
  Locate: 'locate',
  Located: 'located',
  /** stream, peer → peer: send me one of these pieces of a blob. Answered by `piece`. */
  Fetch: 'fetch',
  Piece: 'piece',
  /** stream, peer → peer: the signed record of this custom task. Answered by `described`. */
  Describe: 'describe',
  Described: 'described',
  /** stream, any answer: the request was not understood or not allowed. */
  Error: 'error'
} as const
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind]

/** What a worker can do, sent with every pull. */
export interface Capacity {
  /** Threads in its pool. */
  threads: number
}

export interface WorkMessage {
  v: number
  kind: typeof MessageKind.Work
  /** Chunks waiting for a worker, over all jobs. */
  pending: number
  /** Task names that have pending chunks. */
  tasks: string[]
  /**
   * Multiaddrs (each ending in `/p2p/<its peer id>`) at which workers not connected to the
   * announcer can dial it: a peer group's members, which hear each other's announcements relayed.
   * Absent: dial it as configured.
   */
  addrs?: string[]
}

export interface PullMessage {
  v: number
  kind: typeof MessageKind.Pull
  /** Chunks the worker will take now (free slots). */
  slots: number
  /** Task names the worker can run. */
  tasks: string[]
  capacity: Capacity
  /**
   * Multiaddrs (each ending in `/p2p/<its peer id>`) other workers can dial to hand it leases
   * (`/cycleshare/handoff/1.0.0`). Absent: it takes no handoffs.
   */
  addrs?: string[]
}

/** One chunk leased to one worker for one attempt. */
export interface Lease {
  /** Opaque id the coordinator picked; names this (chunk, attempt). */
  leaseId: string
  jobId: string
  /** Chunk index within the job, from 0. */
  index: number
  /** 1 for the first issue of a chunk, +1 for each reissue. */
  attempt: number
  /**
   * 1 when the lease is issued; the coordinator raises it each time the lease moves to another
   * holder by a transfer. Only the current holder may report, renew or release a lease.
   */
  epoch: number
  /** Name of the built-in task that runs this chunk. */
  task: string
  /** The chunk's input, in the task's own wire format; the task validates it, not the protocol. */
  input: unknown
  /** How long the lease lives from when it was sent, unless renewed. */
  ttlMs: number
  /**
   * The longest the chunk may run, from when it starts; past it the worker aborts the run and
   * reports it failed with error name `TaskTimeoutError`. Absent: no limit.
   */
  timeoutMs?: number
  /**
   * Where to go on from: the latest checkpoint of an earlier copy of this chunk that stopped
   * before its end, in the task's own format (the task checks it). Absent: from the beginning.
   */
  resume?: unknown
}

/**
 * The latest checkpoint of a running lease, in the task's own format: how far its run has got.
 * At most MAX_CHECKPOINT_BYTES once encoded.
 */
export interface LeaseCheckpoint {
  leaseId: string
  state: unknown
}

export interface AssignMessage {
  v: number
  kind: typeof MessageKind.Assign
  leases: Lease[]
}

export interface AssignedMessage {
  v: number
  kind: typeof MessageKind.Assigned
  /** Lease ids the worker took. */
  accepted: string[]
  /** Lease ids the worker refused (no free slot, unknown task); the coordinator reissues them. */
  refused: string[]
}

/** A failure that crosses the wire: recognised by name, never by instanceof. */
export interface WireError {
  name: string
  message: string
}

/**
 * The outcome of one lease. `output` is in the task's own wire format (the coordinator's task
 * validates it); a failure carries the error that stopped the run.
 */
export type ChunkResult =
  | { leaseId: string; ok: true; output: unknown; cpuMs?: number }
  | { leaseId: string; ok: false; error: WireError; cpuMs?: number }

export interface ReportMessage {
  v: number
  kind: typeof MessageKind.Report
  results: ChunkResult[]
}

export interface ReportedMessage {
  v: number
  kind: typeof MessageKind.Reported
  /** Results now durable and counted (or already counted: duplicates are acknowledged too). */
  accepted: string[]
  /** Results the coordinator will never count (unknown lease, job gone): stop retrying them. */
  rejected: Array<{ leaseId: string; reason: string }>
  /** The worker's credit here after this report: CPU milliseconds of its validated results, over its whole history. */
  credit?: number
}

export interface RenewMessage {
  v: number
  kind: typeof MessageKind.Renew
  leaseIds: string[]
  /**
   * The latest checkpoints of some of these leases (those that took a new one since the last
   * renewal): kept by the coordinator, so that a copy reissued after this lease is lost goes on
   * from there. Absent: none.
   */
  checkpoints?: LeaseCheckpoint[]
}

export interface RenewedMessage {
  v: number
  kind: typeof MessageKind.Renewed
  /** Leases extended, each for ttlMs more from now. */
  renewed: string[]
  ttlMs: number
  /** Leases the worker no longer holds (expired and reissued, job cancelled): drop them. */
  lost: string[]
  /** Checkpoints not kept, with why (lease not held, state invalid or too large). Absent: none. */
  refused?: Array<{ leaseId: string; reason: string }>
}

export interface ReleaseMessage {
  v: number
  kind: typeof MessageKind.Release
  leaseIds: string[]
  /** The latest checkpoints of some of these leases: the copies reissued for them go on from there. Absent: none. */
  checkpoints?: LeaseCheckpoint[]
}

export interface ReleasedMessage {
  v: number
  kind: typeof MessageKind.Released
  released: string[]
}

export interface CancelMessage {
  v: number
  kind: typeof MessageKind.Cancel
  leaseIds: string[]
}

export interface CancelledMessage {
  v: number
  kind: typeof MessageKind.Cancelled
  cancelled: string[]
}

/**
 * A holder's signed word that one of its leases moves to another peer. The coordinator moves the
 * lease only if `from` holds it at `epoch`, and then raises the epoch: the same transfer cannot
 * be used twice, and once the lease has moved only `to` may report, renew or release it.
 */
export interface Transfer {
  leaseId: string
  /** The lease's epoch at the giver. */
  epoch: number
  /** The giver: the lease's holder, whose key signed this. */
  from: string
  /** The taker. */
  to: string
  /** 64 bytes: `from`'s Ed25519 signature of transferStatement(coordinator, this). */
  signature: Uint8Array
}

export interface OfferMessage {
  v: number
  kind: typeof MessageKind.Offer
  /** The coordinator (accumulation point) the leases belong to. */
  coordinator: string
  /** The leases offered, each with `resume` set to the giver's latest checkpoint, if any. */
  leases: Lease[]
  /** `transfers[i]` moves `leases[i]` to the peer the offer is sent to. */
  transfers: Transfer[]
}

export interface TakenMessage {
  v: number
  kind: typeof MessageKind.Taken
  /** Leases the taker now holds (the coordinator moved them) and will run. */
  accepted: string[]
  /** Leases it did not take; the giver keeps them (and gives them back to the coordinator). */
  refused: string[]
}

export interface TransferMessage {
  v: number
  kind: typeof MessageKind.Transfer
  transfers: Transfer[]
  /** The giver's latest checkpoints of these leases, kept for the new holder's lease. Absent: none. */
  checkpoints?: LeaseCheckpoint[]
}

export interface TransferredMessage {
  v: number
  kind: typeof MessageKind.Transferred
  /**
   * Leases now held by their transfer's `to`, each whole as the coordinator has it: the raised
   * epoch, the chunk's input, and as `resume` the checkpoint it goes on from (the one presented
   * with the transfer, once kept). The taker runs these, not the giver's description.
   */
  moved: Lease[]
  /** Transfers refused, with why; each changed nothing. */
  refused: Array<{ leaseId: string; reason: string }>
}

export interface LocateMessage {
  v: number
  kind: typeof MessageKind.Locate
  /** The blob's name (a CID, `bafkrei…`). */
  blob: string
  /** Where the asker can be dialled, each ending in `/p2p/<asker>`: the server may name it to others who ask. */
  addrs: string[]
}

/** A peer that asked for a blob lately, and where to dial it. */
export interface BlobSource {
  peerId: string
  addrs: string[]
}

export interface LocatedMessage {
  v: number
  kind: typeof MessageKind.Located
  /** The blob's manifest bytes, when the server holds the blob whole or in part; nil otherwise. */
  manifest?: Uint8Array | null
  /** The pieces the server holds, one bit each (the first piece the high bit of byte 0); nil: none. */
  have?: Uint8Array | null
  /** Peers that asked the server for this blob lately, the asker left out. */
  peers: BlobSource[]
}

export interface FetchMessage {
  v: number
  kind: typeof MessageKind.Fetch
  blob: string
  /** Pieces the asker would take; the server sends one it holds (the one it has sent least). */
  pieces: number[]
}

export interface PieceMessage {
  v: number
  kind: typeof MessageKind.Piece
  /** Which piece `bytes` are: the asker checks them against its manifest before using them. */
  index: number
  bytes: Uint8Array
  /** The pieces the server holds now, as in `located`. */
  have: Uint8Array
}

export interface DescribeMessage {
  v: number
  kind: typeof MessageKind.Describe
  /** A custom task's name, `name@version`. */
  task: string
}

/**
 * A custom task's record, signed by the accumulation point that registered it: the asker checks
 * `signature` over `taskStatement(task, module, manifest)` against the peer id it trusts, then
 * fetches the module as a blob (from peers first) and checks it hashes to `module`.
 */
export interface DescribedMessage {
  v: number
  kind: typeof MessageKind.Described
  task: string
  /** The manifest as JSON text (UTF-8), exactly the bytes signed. */
  manifest: Uint8Array
  /** The module's blob name (`bafkrei…`). */
  module: string
  /** The peer id whose key signed it. */
  signer: string
  signature: Uint8Array
}

/** The answer to a request that was not understood or not allowed; the requester throws it. */
export interface ErrorMessage {
  v: number
  kind: typeof MessageKind.Error
  name: string
  message: string
}

/** Published on gossipsub topics. */
export type GossipMessage = WorkMessage | PullMessage
/** Sent as frames on direct streams. */
export type StreamMessage =
  | AssignMessage | AssignedMessage
  | ReportMessage | ReportedMessage
  | RenewMessage | RenewedMessage
  | ReleaseMessage | ReleasedMessage
  | CancelMessage | CancelledMessage
  | OfferMessage | TakenMessage
  | TransferMessage | TransferredMessage
  | LocateMessage | LocatedMessage
  | FetchMessage | PieceMessage
  | DescribeMessage | DescribedMessage
  | ErrorMessage
export type Message = GossipMessage | StreamMessage
