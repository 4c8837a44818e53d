/**
 * What a lease's holder signs to hand the lease to another peer. The statement names the
 * coordinator, so a transfer signed for one coordinator means nothing to another, and the
 * lease's epoch, so a transfer moves the lease once: the coordinator raises the epoch when it
 * moves it, and the same statement never matches again.
 */
import type { Transfer } from './messages.js'

const DOMAIN = 'cycleshare-transfer/1'
const utf8 = new TextEncoder()

/**
 * The bytes `from` signs: the UTF-8 of `cycleshare-transfer/1`, the coordinator's peer id, the
 * lease id, the epoch in decimal, `from` and `to`, each on its own line (joined by `\n`, no
 * trailing newline).
 */
export function transferStatement (coordinator: string, transfer: Pick<Transfer, 'leaseId' | 'epoch' | 'from' | 'to'>): Uint8Array {
  return utf8.encode([DOMAIN, coordinator, transfer.leaseId, String(transfer.epoch), transfer.from, transfer.to].join('\n'))
}
