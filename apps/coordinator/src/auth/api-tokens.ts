/**
 * API tokens: what a researcher sends (`Authorization: Bearer …`) to submit and cancel jobs,
 * upload blobs and register code that volunteers will run. Only their SHA-256 hashes are kept, in
 * `<data dir>/api-tokens.json`; a token is shown once, when it is made. The file is read again
 * whenever it changes, so a token made by `cycleshare-coordinator token` while the coordinator
 * runs works at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'

interface StoredToken { id: string, sha256: string, createdAt: string, label?: string }

export const TOKENS_FILE = 'api-tokens.json'

const TOKEN = /^cs_[A-Za-z0-9_-]{43}$/

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerToken (header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest()

export class ApiTokens {
  #hashes: Buffer[] = []
  #seen = ''

  constructor (private readonly dataDir: string) {}

  /** Whether no token was ever made here (a first start). */
  get empty (): boolean {
    return this.#read().length === 0
  }

  /** Makes a token, keeps its hash, and returns it: the only time it is seen. */
  create (label?: string): string {
    const token = `cs_${randomBytes(32).toString('base64url')}`
    const tokens = this.#read()
    const entry: StoredToken = { id: randomBytes(4).toString('hex'), sha256: sha256(token).toString('hex'), createdAt: new Date().toISOString() }
    if (label !== undefined) entry.label = label
    tokens.push(entry)
    this.#write(tokens)
    return token
  }

  /** Whether `token` is one made here (compared in constant time). */
  valid (token: string): boolean {
    if (!TOKEN.test(token)) return false
    this.#refresh()
    const hash = sha256(token)
    let found = false
    for (const known of this.#hashes) found = timingSafeEqual(known, hash) || found
    return found
  }

  get #file (): string {
    return join(this.dataDir, TOKENS_FILE)
  }

  #refresh (): void {
    let stamp = ''
    try {
      const stat = statSync(this.#file)
      stamp = `${stat.mtimeMs} ${stat.size} ${stat.ino}`
    } catch {}
    if (stamp === this.#seen) return
    this.#seen = stamp
    this.#hashes = this.#read().map(t => Buffer.from(t.sha256, 'hex'))
  }

  #read (): StoredToken[] {
    if (!existsSync(this.#file)) return []
    const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as unknown
    if (!Array.isArray(parsed)) throw new Error(`${this.#file} must hold a list of tokens`)
    return parsed as StoredToken[]
  }

  /** Whole or not at all: a temporary file, flushed, renamed over; readable by its owner only. */
  #write (tokens: StoredToken[]): void {
    mkdirSync(this.dataDir, { recursive: true })
    const temporary = `${this.#file}.${randomBytes(4).toString('hex')}.tmp`
    const fd = openSync(temporary, 'w', 0o600)
    try {
      writeSync(fd, JSON.stringify(tokens, null, 2))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, this.#file)
  }
}
