import type { Database } from './driver.js'
import { migrations } from './schema.js'

/** Brings a database up to the newest schema, one migration per transaction; refuses a newer one. */
export function migrate (db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > migrations.length) {
    throw new Error(`scheduler database is at schema version ${version}, newer than this code (${migrations.length})`)
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v])
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
}
