/**
 * better-sqlite3, in the major version that is safe on the running Node.js.
 *
 * Version 12 is built on V8's own API (a native build per Node.js release) and is the last that
 * runs on Node 20. On Node 24 its statements crash the process when the garbage collector frees
 * them with no JavaScript context entered (`Assertion failed: (env) != nullptr` in
 * `RemoveEnvironmentCleanupHook`), so there it must not be used. Version 13 is built on Node-API,
 * ships prebuilt binaries, and needs Node 22 or newer. Both have the same JavaScript API; the
 * package installs version 13 under the name `better-sqlite3-napi`.
 */
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'

const require = createRequire(import.meta.url)

/** The first Node.js major version that gets the Node-API build. */
const NODE_API_FROM_MAJOR = 22

const major = Number(process.versions.node.split('.')[0])

export const Database: typeof BetterSqlite3 = require(major >= NODE_API_FROM_MAJOR ? 'better-sqlite3-napi' : 'better-sqlite3')
export type Database = BetterSqlite3.Database
// An interface rather than an alias, so that declarations built from it (sqlite/statements.ts) can name it.
export interface Statement extends BetterSqlite3.Statement {}
export type Transaction<F extends (...args: any[]) => unknown> = BetterSqlite3.Transaction<F>
