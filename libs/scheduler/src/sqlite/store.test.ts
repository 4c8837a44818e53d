import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { storeConformance } from '../store-conformance.suite.js'
import { openSqliteStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'cycleshare-store-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })
let files = 0

storeConformance('SQLite in memory', () => openSqliteStore(':memory:'))
storeConformance('SQLite file', () => openSqliteStore(join(dir, `store-${files++}.db`)))
