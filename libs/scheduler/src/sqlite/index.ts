/**
 * @cycleshare/scheduler/sqlite — the scheduler's store in SQLite (WAL, `synchronous = FULL`):
 * what the coordinator runs on. Kept apart from the main entry so that a process with another
 * store never loads the native driver.
 *
 * @example
 * ```ts
 * import { createScheduler } from '@cycleshare/scheduler'
 * import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
 *
 * const scheduler = createScheduler({ store: openSqliteStore('data/scheduler.db'), tasks: builtinTasks })
 * ```
 */
export { openSqliteStore } from './store.js'
export { backupSqliteStore } from './backup.js'
/**
 * The SQLite driver the store runs on (better-sqlite3, in the build that is safe on this Node.js),
 * for tools that read a store's file directly.
 */
export { Database as SqliteDatabase } from './driver.js'
