import { MAX_BITFIELD_BYTES, MAX_BLOB_PEERS, MAX_RESULT_CPU_MS, MAX_FETCH_CANDIDATES, MAX_MANIFEST_BYTES, MAX_PIECE_BYTES, MAX_TASK_MANIFEST_BYTES, MAX_TASK_NAME_LENGTH, type DecodeLimits } from './constants.js'
import { InvalidFieldError } from './errors.js'
import { MessageKind } from './messages.js'
import type { Message } from './messages.js'

/*
 * Hand-written checks rather than schemas: decode runs for every frame (tens of thousands of
 * chunks a second), these allocate nothing on success, and each failure names the exact field path
 * (`results[3].leaseId`), which is built only when something is wrong.
 */

type Fields = Record<string, unknown>
type Check = (m: Fields, limits: DecodeLimits) => void

/** A decoded MessagePack map: msgpackr builds maps as plain objects, anything else is some other type. */
export function isMap (value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
}

function isString (value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max
}

function isInteger (value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
}

function stringRule (min: number, max: number): string {
  return `${min > 0 ? 'a non-empty' : 'a'} string of at most ${max} characters`
}

function integerRule (min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`
}

function checkString (value: unknown, min: number, max: number, path: string): void {
  if (!isString(value, min, max)) throw new InvalidFieldError(path, stringRule(min, max))
}

function checkInteger (value: unknown, min: number, max: number, path: string): void {
  if (!isInteger(value, min, max)) throw new InvalidFieldError(path, integerRule(min, max))
}

function checkArray (value: unknown, max: number, path: string): asserts value is unknown[] {
  if (!Array.isArray(value) || value.length > max) throw new InvalidFieldError(path, `an array of at most ${max} items`)
}

function checkMap (value: unknown, path: string): asserts value is Fields {
  if (!isMap(value)) throw new InvalidFieldError(path, 'a map')
}

/** An array of non-empty strings, each at most `maxLength` long: lease ids, task names. */
function checkStrings (value: unknown, maxItems: number, maxLength: number, path: string): void {
  checkArray(value, maxItems, path)
  for (let i = 0; i < value.length; i++) {
    if (!isString(value[i], 1, maxLength)) throw new InvalidFieldError(`${path}[${i}]`, stringRule(1, maxLength))
  }
}

function checkIds (m: Fields, key: string, limits: DecodeLimits): void {
  checkStrings(m[key], limits.maxBatch, limits.maxIdLength, key)
}

function checkWireError (value: unknown, path: string, limits: DecodeLimits): void {
  checkMap(value, path)
  checkString(value.name, 1, limits.maxErrorNameLength, `${path}.name`)
  checkString(value.message, 0, limits.maxErrorMessageLength, `${path}.message`)
}

function checkLease (lease: unknown, path: string, limits: DecodeLimits, minEpoch = 1): void {
  if (!isMap(lease)) throw new InvalidFieldError(path, 'a map')
  if (!isString(lease.leaseId, 1, limits.maxIdLength)) throw new InvalidFieldError(`${path}.leaseId`, stringRule(1, limits.maxIdLength))
  if (!isString(lease.jobId, 1, limits.maxIdLength)) throw new InvalidFieldError(`${path}.jobId`, stringRule(1, limits.maxIdLength))
  if (!isInteger(lease.index, 0, Number.MAX_SAFE_INTEGER)) throw new InvalidFieldError(`${path}.index`, integerRule(0, Number.MAX_SAFE_INTEGER))
  if (!isInteger(lease.attempt, 1, Number.MAX_SAFE_INTEGER)) throw new InvalidFieldError(`${path}.attempt`, integerRule(1, Number.MAX_SAFE_INTEGER))
  if (!isInteger(lease.epoch, minEpoch, Number.MAX_SAFE_INTEGER)) throw new InvalidFieldError(`${path}.epoch`, integerRule(minEpoch, Number.MAX_SAFE_INTEGER))
  if (!isString(lease.task, 1, limits.maxTaskNameLength)) throw new InvalidFieldError(`${path}.task`, stringRule(1, limits.maxTaskNameLength))
  // The task validates its own input; the protocol only insists that there is one. MessagePack has
  // no undefined (it travels as nil), so a nil input is a missing input.
  if (lease.input == null) throw new InvalidFieldError(`${path}.input`, 'present and not nil')
  if (!isInteger(lease.ttlMs, 1, limits.maxTtlMs)) throw new InvalidFieldError(`${path}.ttlMs`, integerRule(1, limits.maxTtlMs))
  if (lease.timeoutMs != null && !isInteger(lease.timeoutMs, 1, limits.maxChunkTimeoutMs)) {
    throw new InvalidFieldError(`${path}.timeoutMs`, `absent, or ${integerRule(1, limits.maxChunkTimeoutMs)}`)
  }
  // Like the input, the task checks a resume state; nil stands for absent.
}

/** Optional `checkpoints`: lease ids with a state each (the task checks the state). */
function checkCheckpoints (value: unknown, limits: DecodeLimits): void {
  if (value == null) return
  checkArray(value, limits.maxBatch, 'checkpoints')
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    checkMap(c, `checkpoints[${i}]`)
    checkString(c.leaseId, 1, limits.maxIdLength, `checkpoints[${i}].leaseId`)
    if (c.state == null) throw new InvalidFieldError(`checkpoints[${i}].state`, 'present and not nil')
  }
}

/** A pull names at most this many addresses, each at most this long: a few listen addresses, never a list. */
const MAX_PULL_ADDRS = 8
const MAX_ADDR_LENGTH = 256

/** Ed25519 signatures are 64 bytes. */
const SIGNATURE_BYTES = 64

function checkTransfer (value: unknown, path: string, limits: DecodeLimits): void {
  checkMap(value, path)
  checkString(value.leaseId, 1, limits.maxIdLength, `${path}.leaseId`)
  checkInteger(value.epoch, 1, Number.MAX_SAFE_INTEGER, `${path}.epoch`)
  checkString(value.from, 1, limits.maxIdLength, `${path}.from`)
  checkString(value.to, 1, limits.maxIdLength, `${path}.to`)
  if (!(value.signature instanceof Uint8Array) || value.signature.byteLength !== SIGNATURE_BYTES) {
    throw new InvalidFieldError(`${path}.signature`, `binary of ${SIGNATURE_BYTES} bytes`)
  }
}

function checkTransfers (value: unknown, limits: DecodeLimits): asserts value is Fields[] {
  checkArray(value, limits.maxBatch, 'transfers')
  for (let i = 0; i < value.length; i++) checkTransfer(value[i], `transfers[${i}]`, limits)
}

/** `rejected` of `reported`, `refused` of `renewed`: lease ids with a reason each. */
function checkReasons (value: unknown, key: string, limits: DecodeLimits): void {
  checkArray(value, limits.maxBatch, key)
  for (let i = 0; i < value.length; i++) {
    const r = value[i]
    checkMap(r, `${key}[${i}]`)
    checkString(r.leaseId, 1, limits.maxIdLength, `${key}[${i}].leaseId`)
    checkString(r.reason, 0, limits.maxErrorMessageLength, `${key}[${i}].reason`)
  }
}

function checkResult (result: unknown, i: number, limits: DecodeLimits): void {
  if (!isMap(result)) throw new InvalidFieldError(`results[${i}]`, 'a map')
  if (!isString(result.leaseId, 1, limits.maxIdLength)) throw new InvalidFieldError(`results[${i}].leaseId`, stringRule(1, limits.maxIdLength))
  if (result.ok === true) {
    if (result.output == null) throw new InvalidFieldError(`results[${i}].output`, 'present and not nil when ok is true')
  } else if (result.ok === false) {
    checkWireError(result.error, `results[${i}].error`, limits)
  } else {
    throw new InvalidFieldError(`results[${i}].ok`, 'true or false')
  }
  if (result.cpuMs !== undefined) checkInteger(result.cpuMs, 0, MAX_RESULT_CPU_MS, `results[${i}].cpuMs`)
}

function checkBytes (value: unknown, min: number, max: number, path: string): void {
  if (!(value instanceof Uint8Array) || value.byteLength < min || value.byteLength > max) {
    throw new InvalidFieldError(path, `binary of ${min} to ${max} bytes`)
  }
}

/** A blob's name: the blobs lib checks that it is a CID where it is used. */
function checkBlobName (value: unknown, limits: DecodeLimits, path = 'blob'): void {
  checkString(value, 1, limits.maxIdLength, path)
}

function checkSources (value: unknown): void {
  checkArray(value, MAX_BLOB_PEERS, 'peers')
  for (let i = 0; i < value.length; i++) {
    const source = value[i]
    checkMap(source, `peers[${i}]`)
    checkString(source.peerId, 1, MAX_ADDR_LENGTH, `peers[${i}].peerId`)
    checkStrings(source.addrs, MAX_PULL_ADDRS, MAX_ADDR_LENGTH, `peers[${i}].addrs`)
  }
}

/** Field checks per kind; the envelope (`v`, `kind`) is checked by the codec first. */
const checks: Record<Message['kind'], Check> = {
  [MessageKind.Work]: (m, limits) => {
    checkInteger(m.pending, 0, Number.MAX_SAFE_INTEGER, 'pending')
    checkStrings(m.tasks, limits.maxTasks, limits.maxTaskNameLength, 'tasks')
    if (m.addrs != null) checkStrings(m.addrs, MAX_PULL_ADDRS, MAX_ADDR_LENGTH, 'addrs')
  },
  [MessageKind.Pull]: (m, limits) => {
    checkInteger(m.slots, 1, limits.maxSlots, 'slots')
    checkStrings(m.tasks, limits.maxTasks, limits.maxTaskNameLength, 'tasks')
    checkMap(m.capacity, 'capacity')
    checkInteger(m.capacity.threads, 1, limits.maxThreads, 'capacity.threads')
    if (m.addrs != null) checkStrings(m.addrs, MAX_PULL_ADDRS, MAX_ADDR_LENGTH, 'addrs')
  },
  [MessageKind.Assign]: (m, limits) => {
    const leases = m.leases
    checkArray(leases, limits.maxBatch, 'leases')
    for (let i = 0; i < leases.length; i++) checkLease(leases[i], `leases[${i}]`, limits)
  },
  [MessageKind.Assigned]: (m, limits) => {
    checkIds(m, 'accepted', limits)
    checkIds(m, 'refused', limits)
  },
  [MessageKind.Report]: (m, limits) => {
    const results = m.results
    checkArray(results, limits.maxBatch, 'results')
    for (let i = 0; i < results.length; i++) checkResult(results[i], i, limits)
  },
  [MessageKind.Reported]: (m, limits) => {
    checkIds(m, 'accepted', limits)
    checkReasons(m.rejected, 'rejected', limits)
    if (m.credit !== undefined) checkInteger(m.credit, 0, Number.MAX_SAFE_INTEGER, 'credit')
  },
  [MessageKind.Renew]: (m, limits) => {
    checkIds(m, 'leaseIds', limits)
    checkCheckpoints(m.checkpoints, limits)
  },
  [MessageKind.Renewed]: (m, limits) => {
    checkIds(m, 'renewed', limits)
    checkInteger(m.ttlMs, 1, limits.maxTtlMs, 'ttlMs')
    checkIds(m, 'lost', limits)
    if (m.refused != null) checkReasons(m.refused, 'refused', limits)
  },
  [MessageKind.Release]: (m, limits) => {
    checkIds(m, 'leaseIds', limits)
    checkCheckpoints(m.checkpoints, limits)
  },
  [MessageKind.Released]: (m, limits) => checkIds(m, 'released', limits),
  [MessageKind.Cancel]: (m, limits) => checkIds(m, 'leaseIds', limits),
  [MessageKind.Cancelled]: (m, limits) => checkIds(m, 'cancelled', limits),
  [MessageKind.Offer]: (m, limits) => {
    checkString(m.coordinator, 1, limits.maxIdLength, 'coordinator')
    const leases = m.leases
    checkArray(leases, limits.maxBatch, 'leases')
    for (let i = 0; i < leases.length; i++) checkLease(leases[i], `leases[${i}]`, limits)
    checkTransfers(m.transfers, limits)
    if (m.transfers.length !== leases.length) throw new InvalidFieldError('transfers', 'one per lease, in the order of leases')
    for (let i = 0; i < leases.length; i++) {
      if (m.transfers[i].leaseId !== (leases[i] as Fields).leaseId) throw new InvalidFieldError(`transfers[${i}].leaseId`, `leases[${i}].leaseId`)
    }
  },
  [MessageKind.Taken]: (m, limits) => {
    checkIds(m, 'accepted', limits)
    checkIds(m, 'refused', limits)
  },
  [MessageKind.Transfer]: (m, limits) => {
    checkTransfers(m.transfers, limits)
    checkCheckpoints(m.checkpoints, limits)
  },
  [MessageKind.Transferred]: (m, limits) => {
    const moved = m.moved
    checkArray(moved, limits.maxBatch, 'moved')
    // A moved lease has been raised past the epoch it was issued at.
    for (let i = 0; i < moved.length; i++) checkLease(moved[i], `moved[${i}]`, limits, 2)
    checkReasons(m.refused, 'refused', limits)
  },
  [MessageKind.Locate]: (m, limits) => {
    checkBlobName(m.blob, limits)
    checkStrings(m.addrs, MAX_PULL_ADDRS, MAX_ADDR_LENGTH, 'addrs')
  },
  [MessageKind.Located]: (m) => {
    if (m.manifest != null) checkBytes(m.manifest, 1, MAX_MANIFEST_BYTES, 'manifest')
    if (m.have != null) checkBytes(m.have, 1, MAX_BITFIELD_BYTES, 'have')
    checkSources(m.peers)
  },
  [MessageKind.Fetch]: (m, limits) => {
    checkBlobName(m.blob, limits)
    const pieces = m.pieces
    checkArray(pieces, MAX_FETCH_CANDIDATES, 'pieces')
    if (pieces.length === 0) throw new InvalidFieldError('pieces', `an array of 1 to ${MAX_FETCH_CANDIDATES} piece indices`)
    for (let i = 0; i < pieces.length; i++) checkInteger(pieces[i], 0, 65_535, `pieces[${i}]`)
  },
  [MessageKind.Piece]: (m) => {
    checkInteger(m.index, 0, 65_535, 'index')
    checkBytes(m.bytes, 1, MAX_PIECE_BYTES, 'bytes')
    checkBytes(m.have, 1, MAX_BITFIELD_BYTES, 'have')
  },
  [MessageKind.Describe]: (m) => {
    checkString(m.task, 1, MAX_TASK_NAME_LENGTH, 'task')
  },
  [MessageKind.Described]: (m, limits) => {
    checkString(m.task, 1, MAX_TASK_NAME_LENGTH, 'task')
    checkBytes(m.manifest, 1, MAX_TASK_MANIFEST_BYTES, 'manifest')
    checkBlobName(m.module, limits, 'module')
    checkString(m.signer, 1, MAX_ADDR_LENGTH, 'signer')
    checkBytes(m.signature, 1, 512, 'signature')
  },
  [MessageKind.Error]: (m, limits) => {
    checkString(m.name, 1, limits.maxErrorNameLength, 'name')
    checkString(m.message, 0, limits.maxErrorMessageLength, 'message')
  }
}

/** Checks the fields of a message whose envelope is already known good; throws InvalidFieldError. */
export function checkFields (kind: Message['kind'], m: Fields, limits: DecodeLimits): void {
  checks[kind](m, limits)
}
