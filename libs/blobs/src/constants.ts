/** Bytes in every piece of a blob but its last: big enough that a request's overhead is small, small enough to spread a blob over many peers. */
export const PIECE_SIZE = 1024 * 1024

/** The most pieces a manifest lists (64 GiB at 1 MiB): it bounds a manifest's size (32 bytes a piece) before it is read. */
export const MAX_PIECES = 65_536

/** Bytes of a sha256 digest: one per piece in a manifest. */
export const DIGEST_BYTES = 32

/** A manifest's first bytes: `CSB1`, so that a manifest is never mistaken for other bytes. */
export const MANIFEST_MAGIC = Uint8Array.of(0x43, 0x53, 0x42, 0x31)

/** Bytes before a manifest's digests: magic, size (uint64) and piece size (uint32), big-endian. */
export const MANIFEST_HEADER_BYTES = 16
